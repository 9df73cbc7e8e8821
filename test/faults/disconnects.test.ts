import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../support/client.ts";
import { LiveClient } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { sessionTree, usageBalances } from "./support/audit.ts";
import { FlappingClient } from "./support/flapping-client.ts";
import { pick, seeded, seedOf } from "./support/seeded.ts";
import { TurnTally } from "./support/tally.ts";

const SESSIONS = 4;
const CLIENTS = 5;
const TURNS = 12;
const SEED = seedOf(7_777);

/** A turn's message: streamed text of varied length, a tool call, or a short echo. */
function turnContent(random: () => number, s: number, t: number): string {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `s${s}t${t}w${i}`).join(" ");
  return pick(random, [
    `/slow 15 ${words(8 + Math.floor(random() * 24))}`,
    `/slow 5 ${words(40)}`,
    `/tool calculator {"expression":"${s + 1}*${t + 7}"}`,
    `hello ${s}-${t}`,
  ]);
}

describe("WebSocket clients that drop at random and resume", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_USAGE_REPORT_SECONDS: "1" } });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("ends every client with the whole history once, in order, and every streamed step whole", async () => {
    const tally = new TurnTally(`clients dropping at random (seed ${SEED})`);
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => api.session()));
    // one steady client per session keeps every step streamed
    const steady = await Promise.all(sessions.map((sessionId) => LiveClient.connect(runtime.url, sessionId)));
    const clients = sessions.flatMap((sessionId, s) =>
      Array.from({ length: CLIENTS }, (_, c) => new FlappingClient(runtime.url, sessionId, seeded(SEED + s * 100 + c))),
    );
    for (const client of clients) client.start();
    await Promise.all(
      sessions.map(async (sessionId, s) => {
        const random = seeded(SEED + s);
        for (let t = 0; t < TURNS; t++) {
          const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content: turnContent(random, s, t) });
          tally.record(reply.status === 200 ? "completed" : "lost", `session ${s} turn ${t}: ${reply.status}`);
        }
      }),
    );

    const tree = await sessionTree(runtime.mf, "dev", sessions);
    tally.audit(tree);
    for (const [s, sessionId] of sessions.entries()) {
      const history = tree.find((session) => session.sessionId === sessionId)?.messages ?? [];
      for (const client of clients.slice(s * CLIENTS, (s + 1) * CLIENTS)) {
        await client.settle(history.length);
        // the whole history, each message once and in order, as stored
        expect(client.accepted).toEqual(history);
      }
    }
    for (const client of clients) client.close();
    for (const watcher of steady) watcher.close();

    const sum = (pick: (c: FlappingClient) => number) => clients.reduce((total, client) => total + pick(client), 0);
    const mismatches = clients.flatMap((client) => client.stats.previewMismatches);
    expect(mismatches).toEqual([]);
    // what a client received twice, or never (a gap it noticed)
    for (const [c, client] of clients.entries()) {
      if (client.stats.duplicates > 0)
        tally.duplicated(`client ${c} received ${client.stats.duplicates} messages twice`);
      if (client.stats.gaps > 0) tally.losses.push(`client ${c} found ${client.stats.gaps} gaps`);
    }
    expect(sum((c) => c.stats.orphanDeltas)).toBe(0);
    expect(sum((c) => c.stats.unintroduced)).toBe(0);
    const usage = await usageBalances(api, tree);
    tally.print({
      clients: clients.length,
      connections: sum((c) => c.stats.connections),
      via_after: sum((c) => c.stats.viaAfter),
      via_resume: sum((c) => c.stats.viaResume),
      resumes_refused: sum((c) => c.stats.resumesRefused),
      mid_step_catch_ups: sum((c) => c.stats.catchUps),
      previews_checked: sum((c) => c.stats.previewsChecked),
      messages_delivered: sum((c) => c.accepted.length),
      calls: usage.totals.calls,
    });
    expect(tally.problems()).toEqual([]);
  });
});
