import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagePageSchema, turnResponseSchema } from "../../shared/contracts/message";
import { sessionInfoSchema } from "../../shared/contracts/session";
import { tenantUsageSchema } from "../../shared/contracts/usage";
import { Client } from "../support/client.ts";
import { doneBody, streamTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { sleepUntil, waitUntil } from "../support/wait-until.ts";

const FAST_RETRIES = {
  EDGENT_DEV_MODE: "true",
  EDGENT_RETRY_BASE_MS: "5",
  EDGENT_MODEL_MAX_RETRIES: "1",
  EDGENT_USAGE_REPORT_SECONDS: "1",
};

async function withRuntime(vars: Record<string, string>): Promise<{ runtime: Runtime; api: Client }> {
  const runtime = await startRuntime({ vars: { ...FAST_RETRIES, ...vars } });
  return { runtime, api: new Client(runtime.url) };
}

describe("escalation signals", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => ({ runtime, api } = await withRuntime({})));
  afterAll(() => runtime?.dispose());

  const turn = async (content: string, agent = "assistant") => {
    const sessionId = await api.session(agent);
    return { sessionId, turn: await api.say(sessionId, content) };
  };

  it("answers on the local model when it is good enough", async () => {
    const { turn: answered } = await turn("/confidence 0.9 Paris || Lyon");
    expect(answered.reply.content).toBe("Paris");
    expect(answered.answeredBy).toEqual({ model: "builtin:echo", tier: "local" });
  });

  it("escalates when the local model calls the escalate tool", async () => {
    const { turn: answered, sessionId } = await turn("/escalate needs a tax expert");
    expect(answered.answeredBy).toEqual({
      model: "builtin:central",
      tier: "central",
      escalation: { signal: "tool", reason: "needs a tax expert" },
    });
    expect(answered.reply.content).toBe("[central] needs a tax expert");
    // the local model's request to escalate is part of the record
    expect(answered.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(answered.messages[1]?.toolCalls?.[0]?.toolName).toBe("escalate");
    expect((await api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ escalations: 1 });
  });

  it("escalates when the local model's confidence is low, and the central answer wins", async () => {
    const { turn: answered } = await turn("/confidence 0.2 Sydney || Canberra");
    expect(answered.reply.content).toBe("[central] Canberra");
    expect(answered.answeredBy.escalation).toMatchObject({ signal: "confidence" });
    // the low-confidence local answer was not stored as the reply
    expect(answered.messages.map((m) => m.content)).not.toContain("Sydney");
  });

  it("escalates an answer that misses the output schema after one repair attempt", async () => {
    const ok = await turn('{"answer":"42"}', "extractor");
    expect(ok.turn.answeredBy.tier).toBe("local");
    expect(ok.turn.usage.modelCalls).toBe(1);
    const bad = await turn("the answer is 42", "extractor");
    expect(bad.turn.answeredBy).toMatchObject({ tier: "central", escalation: { signal: "output_schema" } });
    // local answer, one repair, then the central model
    expect(bad.turn.usage.modelCalls).toBe(3);
  });

  it("retries a failing local model with backoff, and succeeds without escalating", async () => {
    const { turn: answered } = await turn("/fail 1 steady now");
    expect(answered.reply.content).toBe("steady now");
    expect(answered.answeredBy.tier).toBe("local");
  });

  it("escalates when the local model keeps failing after retries", async () => {
    const { turn: answered } = await turn("/fail 2 answer this");
    expect(answered.answeredBy).toMatchObject({ tier: "central", escalation: { signal: "error" } });
    expect(answered.answeredBy.escalation?.reason).toContain("after 2 attempts");
    expect(answered.reply.content).toBe("[central] answer this");
  });

  it("reports escalations as turn events in the stream", async () => {
    const sessionId = await api.session();
    const { events } = await streamTurn(runtime.url, sessionId, { content: "/escalate stream this" });
    const escalated = events.find((e) => e.event === "event")?.frame;
    expect(escalated).toMatchObject({
      name: "escalated",
      data: { signal: "tool", from: "builtin:echo", to: "builtin:central" },
    });
  });

  it("keeps session and tenant cost totals equal to the sum of recorded calls", async () => {
    const client = api.withToken("dev-token-2");
    const sessions = [await client.session(), await client.session()];
    let cost = 0;
    for (const [i, content] of [
      "plain",
      "/escalate costly",
      "/confidence 0.1 a || b",
      '/tool calculator {"expression":"1+1"}',
    ].entries()) {
      const sessionId = sessions[i % 2] as string;
      cost += (await client.say(sessionId, content)).usage.costUsd;
    }
    const perSession = await Promise.all(
      sessions.map(async (id) => (await client.get(`/v1/sessions/${id}`)).parse(sessionInfoSchema).usage.costUsd),
    );
    expect(perSession.reduce((sum, value) => sum + value, 0)).toBeCloseTo(cost, 12);
    // local usage reaches the tenant's totals after the reply: wait for it
    const totals = await waitUntil(
      async () => (await client.get("/v1/usage")).parse(tenantUsageSchema).totals,
      (sums) => Math.abs(sums.costUsd - cost) <= 1e-12,
      { what: `the tenant's cost totals to reach ${cost}`, intervalMs: 50 },
    );
    expect(totals.costUsd).toBeCloseTo(cost, 12);
    const usage = (await client.get("/v1/usage")).parse(tenantUsageSchema);
    expect(usage.byModel.map((m) => m.name).sort()).toEqual(["builtin:central", "builtin:echo"]);
    expect(usage.byAgent.map((a) => a.name)).toEqual(["assistant"]);
  });
});

describe("signals that need a tighter configuration", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(
    async () =>
      ({ runtime, api } = await withRuntime({
        EDGENT_MODEL_SPECS: JSON.stringify({ "builtin:echo": { contextWindow: 700 } }),
        EDGENT_AGENT_MAX_STEPS: JSON.stringify({ assistant: 1 }),
      })),
  );
  afterAll(() => runtime?.dispose());

  it("escalates when the context exceeds the local model's window", async () => {
    const sessionId = await api.session();
    const answered = await api.say(sessionId, `summarise: ${"words ".repeat(800)}`);
    expect(answered.answeredBy).toMatchObject({ tier: "central", escalation: { signal: "context" } });
    expect(answered.usage.modelCalls).toBe(1);
  });

  it("escalates when the local model runs out of steps, handing over its tool results", async () => {
    const sessionId = await api.session();
    const answered = await api.say(sessionId, '/tool calculator {"expression":"6*7"}');
    expect(answered.answeredBy).toMatchObject({ tier: "central", escalation: { signal: "step_limit" } });
    expect(answered.reply.content).toBe('[central] Tool calculator returned: {"expression":"6*7","value":42}');
  });
});

describe("the central model's circuit breaker", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(
    async () =>
      ({ runtime, api } = await withRuntime({
        EDGENT_MODEL_MAX_RETRIES: "0",
        EDGENT_BREAKER_FAILURES: "2",
        EDGENT_BREAKER_COOLDOWN_MS: "1500",
      })),
  );
  afterAll(() => runtime?.dispose());

  it("opens after repeated failures, is shared by sessions, and half-opens after its cool-down", async () => {
    const a = await api.session();
    const b = await api.session();
    for (let i = 0; i < 2; i++) {
      const failed = await api.post(`/v1/sessions/${a}/messages`, { content: "/escalate /fail-central 9 help" });
      expect(failed.status).toBe(503);
      expect(failed.code).toBe("model_unavailable");
    }
    // session b never failed, but shares the tenant's breaker
    const refused = await api.post(`/v1/sessions/${b}/messages`, { content: "/escalate please" });
    expect(refused.status).toBe(503);
    expect(refused.code).toBe("central_unavailable");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const reopensAt = Date.now() + (refused.error?.retryAfterMs ?? Number.NaN);
    // with a local answer in hand, the turn returns it, marked as such
    const marked = await api.say(b, "/confidence 0.1 local guess || central answer");
    expect(marked.reply.content).toBe("local guess");
    expect(marked.answeredBy).toMatchObject({
      tier: "local",
      escalation: { signal: "confidence", refused: "central_unavailable" },
    });

    // the cool-down is the behaviour under test, and any probe of the central model would take its one trial
    await sleepUntil(reopensAt + 50);
    const { events } = await streamTurn(runtime.url, b, { content: "/escalate recovered?" });
    const transitions = events.flatMap(({ frame }) =>
      frame.type === "event" && frame.name === "breaker" ? [frame.data.to] : [],
    );
    expect(transitions).toEqual(["half_open", "closed"]);
    expect(doneBody(events).reply.content).toBe("[central] recovered?");
  });
});

describe("the tenant's central budget", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => ({ runtime, api } = await withRuntime({ EDGENT_CENTRAL_BUDGET_TOKENS: "100" })));
  afterAll(() => runtime?.dispose());

  it("refuses escalation once the budget is spent, returning the local answer when there is one", async () => {
    const sessionId = await api.session();
    const first = await api.say(sessionId, "/escalate spend it");
    expect(first.answeredBy.tier).toBe("central");
    const marked = await api.say(sessionId, "/confidence 0.1 cheap answer || dear answer");
    expect(marked.reply.content).toBe("cheap answer");
    expect(marked.answeredBy.escalation).toMatchObject({ signal: "confidence", refused: "budget_exhausted" });
    const refused = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "/escalate more" });
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("budget_exhausted");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const usage = (await api.get("/v1/usage")).parse(tenantUsageSchema);
    expect(usage.budget.budgetTokens).toBe(100);
    expect(usage.budget.spentTokens).toBeGreaterThanOrEqual(100);
    const stored = (await api.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema).messages;
    expect(stored.filter((m) => m.role === "user").map((m) => m.content)).toContain("/escalate more");
  });
});

describe("a saturated gateway", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(
    async () =>
      ({ runtime, api } = await withRuntime({ EDGENT_GATEWAY_CONCURRENCY: "2", EDGENT_GATEWAY_MAX_WAIT_MS: "100" })),
  );
  afterAll(() => runtime?.dispose());

  it("queues briefly, then answers 429 with Retry-After, with 50 concurrent escalations", async () => {
    const sessions = await Promise.all(Array.from({ length: 50 }, () => api.session()));
    const replies = await Promise.all(
      sessions.map((id) => api.post(`/v1/sessions/${id}/messages`, { content: "/escalate /slow 100 a b c" })),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(50);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    for (const reply of refused) {
      expect(reply.code).toBe("gateway_saturated");
      expect(reply.headers.get("retry-after")).toBe("1");
    }
    for (const reply of ok) expect(reply.parse(turnResponseSchema).reply.content).toBe("[central] a b c");
  });
});
