import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { LiveClient, streamTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";
import { sessionTree, usageBalances } from "./support/audit.ts";
import { TurnTally } from "./support/tally.ts";

const VARS = { EDGENT_DEV_MODE: "true", EDGENT_USAGE_REPORT_SECONDS: "1" };
const SLOW = `/slow 100 ${Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ")}`;

/** How a turn was under way when the runtime stopped. */
type Cut = "sse" | "json" | "websocket" | "queued";

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("the runtime stopped mid-turn and started again on the same state", () => {
  it("fails every cut turn cleanly with its user message stored, and every session goes on", async () => {
    const persistPath = mkdtempSync(join(tmpdir(), "edgent-faults-restart-"));
    folders.push(persistPath);
    let runtime: Runtime = await startRuntime({ vars: VARS, persistPath });
    let api = new Client(runtime.url);
    const tally = new TurnTally("restart mid-turn");
    const cuts: Cut[] = ["sse", "sse", "json", "json", "websocket", "websocket", "queued"];
    const sessions = await Promise.all(cuts.map(() => api.session()));
    const idle = await api.session();
    for (const sessionId of [...sessions, idle]) await api.say(sessionId, "before the restart");

    // every cut turn is seen running before the runtime stops
    const watchers: LiveClient[] = [];
    const inFlight: Array<Promise<unknown>> = [];
    const keys = new Map<string, string>();
    await Promise.all(
      cuts.map(async (cut, i) => {
        const sessionId = sessions[i] as string;
        const key = `cut-${crypto.randomUUID()}`;
        keys.set(sessionId, key);
        if (cut === "sse") {
          let seen: () => void = () => undefined;
          const delta = new Promise<void>((resolve) => {
            seen = resolve;
          });
          inFlight.push(
            streamTurn(runtime.url, sessionId, { content: SLOW }, { headers: { "idempotency-key": key } }).catch(
              () => undefined,
            ),
          );
          const watcher = await LiveClient.connect(runtime.url, sessionId);
          watchers.push(watcher);
          void watcher.waitFor((f) => f.type === "delta", 20_000).then(seen, seen);
          await delta;
        } else if (cut === "websocket") {
          const watcher = await LiveClient.connect(runtime.url, sessionId);
          watchers.push(watcher);
          watcher.send({ type: "message", content: SLOW });
          await watcher.waitFor((f) => f.type === "delta");
        } else {
          const slow = api.post(`/v1/sessions/${sessionId}/messages`, { content: SLOW }, { "idempotency-key": key });
          inFlight.push(slow.catch(() => undefined));
          await waitUntil(
            () => api.history(sessionId),
            (messages) => messages.length === 3,
            { what: "the cut turn's user message" },
          );
          if (cut === "queued") {
            // a second message waits behind the running one: it was never taken up
            const queuedKey = `queued-${crypto.randomUUID()}`;
            keys.set(`${sessionId}#queued`, queuedKey);
            inFlight.push(
              api
                .post(
                  `/v1/sessions/${sessionId}/messages`,
                  { content: "queued behind" },
                  { "idempotency-key": queuedKey },
                )
                .catch(() => undefined),
            );
          }
        }
      }),
    );
    await runtime.dispose();
    await Promise.all(inFlight);
    for (const watcher of watchers) watcher.socket.terminate();

    runtime = await startRuntime({ vars: VARS, persistPath });
    api = new Client(runtime.url);
    for (const [i, cut] of cuts.entries()) {
      const sessionId = sessions[i] as string;
      const where = `${cut} turn in ${sessionId}`;
      const history = await api.history(sessionId);
      const cutTurn = history.find((m) => m.role === "user" && m.content === SLOW);
      const why: string[] = [];
      if (!cutTurn) why.push("its user message is not stored");
      // the turn has ended: nothing of its stream is held after a restart, and it is not running
      const rejoin = cutTurn ? await api.get(`/v1/sessions/${sessionId}/turns/${cutTurn.turnId}/stream`) : null;
      if (rejoin?.status !== 204 || rejoin.headers.get("edgent-turn-status") !== "failed") {
        why.push(`rejoining it answers ${rejoin?.status} ${rejoin?.headers.get("edgent-turn-status")}`);
      }
      // a client that never got its answer sends the same request again: it gets the turn's end, and nothing is appended
      const key = keys.get(sessionId);
      let code = "session_unavailable";
      if (key && cut !== "websocket") {
        const retry = await api.post(
          `/v1/sessions/${sessionId}/messages`,
          { content: SLOW },
          { "idempotency-key": key },
        );
        code = retry.code ?? `${retry.status}`;
        if (retry.status !== 503 || retry.code !== "session_unavailable") {
          why.push(`its retry answers ${retry.status} ${retry.code ?? ""}`);
        }
        const appended = (await api.history(sessionId)).length - history.length;
        if (appended > 0) tally.duplicated(`${where}: its retry appended ${appended} messages`);
      }
      if (why.length === 0) tally.failedWith(code);
      else tally.record("lost", `${where}: ${why.join("; ")}`);
    }
    // the queued message was never taken up: its retry runs it, once
    const queuedSession = sessions[cuts.indexOf("queued")] as string;
    const queuedKey = keys.get(`${queuedSession}#queued`) ?? "";
    const queuedRetry = await api.post(
      `/v1/sessions/${queuedSession}/messages`,
      { content: "queued behind" },
      { "idempotency-key": queuedKey },
    );
    tally.record(queuedRetry.status === 200 ? "completed" : "lost", `queued turn: ${queuedRetry.status}`);

    // every session goes on
    for (const sessionId of [...sessions, idle]) {
      const after = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "after the restart" });
      tally.record(after.status === 200 ? "completed" : "lost", `a turn after the restart: ${after.status}`);
      expect(after.parse(turnResponseSchema).reply.content).toBe("after the restart");
    }

    const tree = await sessionTree(runtime.mf, "dev", [...sessions, idle]);
    tally.audit(tree);
    const usage = await usageBalances(api, tree);
    tally.print({ sessions: tree.length, calls: usage.totals.calls });
    expect(tally.problems()).toEqual([]);
    await runtime.dispose();
  });
});
