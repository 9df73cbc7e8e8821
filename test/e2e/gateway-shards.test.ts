import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionInfoSchema } from "../../shared/contracts/session";
import { tenantUsageSchema } from "../../shared/contracts/usage";
import { gatewayShard } from "../../shared/models/gateway-shards";
import { Client } from "../support/client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

const SHARDS = 4;

/** A new session id whose gateway shard is `shard`. */
async function sessionOnShard(api: Client, shard: number): Promise<string> {
  for (;;) {
    const id = `shard-${crypto.randomUUID()}`;
    if (gatewayShard(id, SHARDS) !== shard) continue;
    const reply = await api.post("/v1/sessions", { agent: "assistant", sessionId: id });
    if (reply.status !== 201) throw new Error(`session create failed: ${reply.status} ${reply.text}`);
    return id;
  }
}

describe("a sharded tenant gateway", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    // each shard may spend 100 of the tenant's 400 tokens
    runtime = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_GATEWAY_SHARDS: String(SHARDS),
        EDGENT_CENTRAL_BUDGET_TOKENS: "400",
        EDGENT_USAGE_REPORT_SECONDS: "1",
      },
    });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("refuses a shard's escalations once its share is spent while the other shards still answer, and adds every shard's usage up", async () => {
    const spender = await sessionOnShard(api, 1);
    const first = await api.say(spender, "/escalate spend shard one's share");
    expect(first.answeredBy.tier).toBe("central");
    const refused = await api.post(`/v1/sessions/${spender}/messages`, { content: "/escalate more" });
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("budget_exhausted");

    // a session on another shard of the same tenant escalates as before
    const others = await Promise.all([0, 2, 3].map((shard) => sessionOnShard(api, shard)));
    for (const id of others) expect((await api.say(id, "/escalate on another shard")).answeredBy.tier).toBe("central");

    const usage = (await api.get("/v1/usage")).parse(tenantUsageSchema);
    expect(usage.budget.budgetTokens).toBe(400);
    const central = usage.lines.filter((line) => line.tier === "central");
    expect(central.reduce((n, line) => n + line.calls, 0)).toBe(4);
    expect(usage.budget.spentTokens).toBe(central.reduce((n, line) => n + line.inputTokens + line.outputTokens, 0));
  });
});

describe("usage reports to a sharded gateway", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({
      vars: { EDGENT_DEV_MODE: "true", EDGENT_GATEWAY_SHARDS: String(SHARDS), EDGENT_USAGE_REPORT_SECONDS: "1" },
    });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("counts the local calls that sessions on every shard report, once each", async () => {
    const sessions = await Promise.all([0, 1, 2, 3, 0, 2].map((shard) => sessionOnShard(api, shard)));
    for (const id of sessions) await api.say(id, "What is the status of my order?");
    let local = 0;
    for (const id of sessions) local += (await api.get(`/v1/sessions/${id}`)).parse(sessionInfoSchema).usage.modelCalls;
    expect(local).toBeGreaterThanOrEqual(sessions.length);
    const usage = await waitUntil(
      async () => (await api.get("/v1/usage")).parse(tenantUsageSchema),
      (u) => u.totals.calls >= local,
      { what: "every shard's local calls in the tenant's usage" },
    );
    expect(usage.totals.calls).toBe(local);
    expect(usage.lines.every((line) => line.tier === "local")).toBe(true);
  });
});

describe("a bad EDGENT_GATEWAY_SHARDS", () => {
  it("answers GET /v1/usage with 503 misconfigured, not one shard's totals", async () => {
    const runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_GATEWAY_SHARDS: "four" } });
    try {
      const api = new Client(runtime.url);
      const sessionId = await api.session("assistant");
      const escalated = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "/escalate please" });
      expect([escalated.status, escalated.code]).toEqual([503, "model_misconfigured"]);
      const usage = await api.get("/v1/usage");
      expect([usage.status, usage.code]).toEqual([503, "misconfigured"]);
      expect(usage.error?.message).toContain("EDGENT_GATEWAY_SHARDS");
    } finally {
      await runtime.dispose();
    }
  });
});
