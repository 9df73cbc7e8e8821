import { describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { tenantUsageSchema } from "../../shared/contracts/usage";
import { Client } from "../support/client.ts";
import { doneBody, streamTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { sleepUntil, waitUntil } from "../support/wait-until.ts";

async function withRuntime(vars: Record<string, string>): Promise<{ runtime: Runtime; api: Client }> {
  const runtime = await startRuntime({
    vars: { EDGENT_DEV_MODE: "true", EDGENT_RETRY_BASE_MS: "5", EDGENT_MODEL_MAX_RETRIES: "0", ...vars },
  });
  return { runtime, api: new Client(runtime.url) };
}

describe("escalation edge cases", () => {
  it("lets a steadily streamed answer run past the first-token and idle limits", async () => {
    const { runtime, api } = await withRuntime({
      EDGENT_MODEL_FIRST_TOKEN_MS: "1000",
      EDGENT_MODEL_IDLE_MS: "1000",
      EDGENT_MODEL_TIMEOUT_MS: "20000",
    });
    try {
      const sessionId = await api.session();
      // a word every 200 ms: 1.6 s in all, never silent for a second
      const { events } = await streamTurn(runtime.url, sessionId, { content: "/slow 200 a b c d e f g h" });
      expect(events.at(-1)?.frame.type).toBe("done");
      expect(doneBody(events).reply.content).toBe("a b c d e f g h");
    } finally {
      await runtime.dispose();
    }
  });

  it("times a streamed answer out at the model timeout, as an unstreamed one is", async () => {
    const { runtime, api } = await withRuntime({ EDGENT_MODEL_TIMEOUT_MS: "1000", EDGENT_ESCALATION: "off" });
    try {
      const sessionId = await api.session();
      const { events } = await streamTurn(runtime.url, sessionId, { content: "/slow 200 a b c d e f g h" });
      const error = events.find((e) => e.frame.type === "error")?.frame;
      expect(error?.type === "error" && error.error.code).toBe("model_unavailable");
      const unstreamed = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 200 a b c d e f g h" });
      expect(unstreamed.code).toBe("model_unavailable");
    } finally {
      await runtime.dispose();
    }
  });

  it("does not leave the local breaker half-open when a context escalation skips the local model", async () => {
    const COOLDOWN_MS = 100;
    const { runtime, api } = await withRuntime({
      EDGENT_BREAKER_FAILURES: "1",
      EDGENT_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      EDGENT_MODEL_SPECS: JSON.stringify({ "builtin:echo": { contextWindow: 400 } }),
    });
    try {
      const sessionId = await api.session();
      expect((await api.say(await api.session(), "/fail 1 x")).answeredBy.escalation?.signal).toBe("error");
      // past the cool-down, which is the behaviour under test: a probe of the local model would take its trial
      await sleepUntil(Date.now() + COOLDOWN_MS + 50);
      expect((await api.say(sessionId, `long ${"words ".repeat(400)}`)).answeredBy.escalation?.signal).toBe("context");
      // the breaker's trial was never taken: the next small turn may use the local model again
      const next = await api.say(await api.session(), "small again");
      expect(next.answeredBy).toEqual({ model: "builtin:echo", tier: "local" });
    } finally {
      await runtime.dispose();
    }
  });

  it("keeps one tenant's local breaker from sending another tenant's turns to the central model", async () => {
    const { runtime, api } = await withRuntime({
      EDGENT_BREAKER_FAILURES: "1",
      EDGENT_BREAKER_COOLDOWN_MS: "3600000",
    });
    try {
      const failing = await api.say(await api.session(), "/fail 1 x");
      expect(failing.answeredBy.escalation?.signal).toBe("error");
      // the failing tenant's breaker is open: its next turn skips the local model
      const same = await api.say(await api.session(), "again");
      expect(same.answeredBy.escalation?.reason).toContain("open circuit breaker");
      // another tenant, same model, same isolate: its turns still run locally, at no central cost
      const other = api.withToken("dev-token-2");
      const answered = await other.say(await other.session(), "hello");
      expect(answered.answeredBy).toEqual({ model: "builtin:echo", tier: "local" });
    } finally {
      await runtime.dispose();
    }
  });

  it("keeps concurrent escalations within one call of the budget", async () => {
    const { runtime, api } = await withRuntime({ EDGENT_CENTRAL_BUDGET_TOKENS: "100" });
    try {
      const sessions = await Promise.all(Array.from({ length: 30 }, () => api.session()));
      const replies = await Promise.all(
        sessions.map((id) => api.post(`/v1/sessions/${id}/messages`, { content: "/escalate /slow 20 go" })),
      );
      const central = replies.filter(
        (r) => r.status === 200 && r.parse(turnResponseSchema).answeredBy.tier === "central",
      );
      expect(central).toHaveLength(1);
      expect(replies.filter((r) => r.status === 429).map((r) => r.code)).toEqual(Array(29).fill("budget_exhausted"));
    } finally {
      await runtime.dispose();
    }
  });

  it("records a fallback's answer under the fallback model", async () => {
    const { runtime, api } = await withRuntime({
      EDGENT_FALLBACK_MODELS: JSON.stringify({ "builtin:central": "builtin:echo" }),
    });
    try {
      const sessionId = await api.session();
      const answered = await api.say(sessionId, "/escalate /fail-central 9 fall back");
      expect(answered.answeredBy).toMatchObject({ model: "builtin:echo", tier: "central" });
      const byModel = await waitUntil(
        async () => (await api.get("/v1/usage")).parse(tenantUsageSchema).byModel,
        (models) => models.some((m) => m.name === "builtin:echo"),
        { what: "the fallback's call in the tenant's usage", intervalMs: 50 },
      );
      expect(byModel.map((m) => m.name)).not.toContain("builtin:central");
    } finally {
      await runtime.dispose();
    }
  });

  it("answers 503 model_misconfigured, not 500, for a broken model catalog", async () => {
    const { runtime, api } = await withRuntime({ EDGENT_MODEL_SPECS: "{not json" });
    try {
      const sessionId = await api.session();
      const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "hi" });
      expect(reply.status).toBe(503);
      expect(reply.code).toBe("model_misconfigured");
      expect((await api.get("/v1/usage")).status).toBe(200);
    } finally {
      await runtime.dispose();
    }
  });
});
