import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TurnResponse, turnResponseSchema } from "../../shared/contracts/message";
import { ERROR_CODES } from "../../shared/errors";
import { Client } from "../support/client.ts";
import { streamTurn } from "../support/live-client.ts";
import { type MockOpenAI, startMockOpenAI } from "../support/openai-mock.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { sessionTree, usageBalances } from "./support/audit.ts";
import { flakyProvider } from "./support/flaky-provider.ts";
import { pick, seeded, seedOf } from "./support/seeded.ts";
import { TurnTally } from "./support/tally.ts";

const SESSIONS = 20;
const TURNS = 20;
const SEED = seedOf(20_261_201);

/** How one turn came out, as its client saw it. */
type Seen =
  | { kind: "completed"; body: TurnResponse }
  | { kind: "failed"; code: string; turnId?: string }
  | { kind: "broken"; why: string };

/** Sends one turn as JSON or over SSE and says how it came out. */
async function send(
  runtime: Runtime,
  api: Client,
  sessionId: string,
  content: string,
  streamed: boolean,
): Promise<Seen> {
  try {
    if (streamed) {
      const { status, events } = await streamTurn(runtime.url, sessionId, { content });
      const last = events.at(-1)?.frame;
      if (last?.type === "done") return { kind: "completed", body: last.body };
      if (last?.type === "error") return { kind: "failed", code: last.error.code, turnId: last.error.turnId };
      return { kind: "broken", why: `the stream (${status}) ended with ${JSON.stringify(last)}` };
    }
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content });
    if (reply.status === 200) return { kind: "completed", body: reply.parse(turnResponseSchema) };
    const error = reply.error;
    if (!error) return { kind: "broken", why: `${reply.status} without an error body` };
    return { kind: "failed", code: error.code, ...(error.turnId ? { turnId: error.turnId } : {}) };
  } catch (error) {
    return { kind: "broken", why: `the request failed: ${String(error)}` };
  }
}

describe("a model provider that fails 30% of its calls", () => {
  let mock: MockOpenAI;
  let runtime: Runtime;
  let api: Client;
  const provider = flakyProvider(SEED);
  beforeAll(async () => {
    mock = await startMockOpenAI(provider.respond);
    runtime = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_USAGE_REPORT_SECONDS: "1",
        OPENAI_BASE_URL: mock.baseURL,
        // local and central both on the flaky provider; the central one falls back to the builtin model
        EDGENT_AGENT_MODELS: JSON.stringify({ assistant: "openai:local-model" }),
        EDGENT_CENTRAL_MODELS: JSON.stringify({ assistant: "openai:central-model" }),
        EDGENT_FALLBACK_MODELS: JSON.stringify({ "openai:central-model": "builtin:central" }),
        EDGENT_MODEL_TIMEOUT_MS: "1500",
        EDGENT_MODEL_FIRST_TOKEN_MS: "400",
        EDGENT_MODEL_IDLE_MS: "400",
        EDGENT_RETRY_BASE_MS: "5",
        EDGENT_BREAKER_COOLDOWN_MS: "1000",
      },
    });
    api = new Client(runtime.url);
  });
  afterAll(async () => {
    await runtime?.dispose();
    await mock?.close();
  });

  it(`completes every one of ${SESSIONS} sessions × ${TURNS} turns, or fails it cleanly with its user message stored`, async () => {
    const tally = new TurnTally(`flaky provider (seed ${SEED})`);
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => api.session()));
    const outcomes = new Map<string, Seen[]>();
    let streamedTurns = 0;
    await Promise.all(
      sessions.map(async (sessionId, s) => {
        const random = seeded(SEED + s);
        const seen: Seen[] = [];
        for (let t = 0; t < TURNS; t++) {
          const content = t % 4 === 1 ? `calc ${t} * ${s + 1}` : `turn ${t} of session ${s}`;
          const streamed = pick(random, [false, false, false, true]);
          if (streamed) streamedTurns++;
          seen.push(await send(runtime, api, sessionId, content, streamed));
        }
        outcomes.set(sessionId, seen);
      }),
    );

    const tree = await sessionTree(runtime.mf, "dev", sessions);
    tally.audit(tree);
    for (const [s, sessionId] of sessions.entries()) {
      const history = tree.find((session) => session.sessionId === sessionId)?.messages ?? [];
      const users = history.filter((m) => m.role === "user");
      for (const [t, outcome] of (outcomes.get(sessionId) ?? []).entries()) {
        const where = `session ${s} turn ${t}`;
        if (outcome.kind === "broken") {
          tally.record("lost", `${where}: ${outcome.why}`);
          continue;
        }
        if (outcome.kind === "completed") {
          const { body } = outcome;
          const stored = history.filter((m) => m.turnId === body.turnId);
          // the reply answers this turn: it echoes the message, or (a malformed tool call the provider
          // made up) the model answered the tool error stored in this same turn
          const toolFailed = stored.some((m) => m.role === "tool" && m.isError === true);
          const echoed = t % 4 === 1 || toolFailed || body.reply.content.includes(`turn ${t} of session ${s}`);
          const whole = stored.length === body.messages.length && stored.at(-1)?.seq === body.reply.seq;
          if (body.status === "completed" && body.reply.content !== "" && echoed && whole) tally.record("completed");
          else tally.record("lost", `${where}: ${JSON.stringify(body).slice(0, 300)}`);
          continue;
        }
        const known = (ERROR_CODES as readonly string[]).includes(outcome.code) && outcome.code !== "internal";
        const storedUser = users.some((m) => m.turnId === outcome.turnId);
        if (known && storedUser) tally.failedWith(outcome.code);
        else tally.record("lost", `${where}: failed with ${outcome.code}, user message stored: ${storedUser}`);
      }
      // every user message stored belongs to a turn a client was told about, once
      const told = (outcomes.get(sessionId) ?? []).flatMap((o) =>
        o.kind === "completed" ? [o.body.turnId] : o.kind === "failed" && o.turnId ? [o.turnId] : [],
      );
      const untold = users.filter((m) => !told.includes(m.turnId));
      if (untold.length > 0)
        tally.duplicated(`${sessionId}: ${untold.length} user messages stored for turns no client was told of`);
      expect(users.map((m) => m.turnId).sort(), sessionId).toEqual([...told].sort());
    }
    const usage = await usageBalances(api, tree);
    const escalated = tree.reduce((sum, session) => sum + session.info.escalations, 0);
    tally.print({
      streamed: streamedTurns,
      escalated,
      provider_calls: mock.requests.length,
      ...provider.counts,
      usage_calls: usage.totals.calls,
    });
    expect(tally.problems()).toEqual([]);
    expect(tally.attempted).toBe(SESSIONS * TURNS);
  });
});
