import { describe, expect, it } from "vitest";
import { tenantUsageSchema, type UsageTotals } from "../../shared/contracts/usage.ts";
import { Client } from "../support/client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

/** The tenant's totals once they reach `calls`, failing if they do not within the limit. */
async function totalsReaching(api: Client, calls: number, timeoutMs = 8_000): Promise<UsageTotals> {
  return waitUntil(
    async () => (await api.get("/v1/usage")).parse(tenantUsageSchema).totals,
    (totals) => totals.calls >= calls,
    { what: `usage to reach ${calls} calls`, timeoutMs, intervalMs: 100 },
  );
}

async function withRuntime(run: (api: Client) => Promise<void>): Promise<void> {
  // reports go every second, so a lost one would not come back later
  const runtime: Runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_USAGE_REPORT_SECONDS: "1" } });
  try {
    await run(new Client(runtime.url));
  } finally {
    await runtime.dispose();
  }
}

describe("tenant usage", () => {
  it("counts the local calls of a session erased right after its turn", async () => {
    await withRuntime(async (api) => {
      const sessionId = await api.session();
      const turn = await api.say(sessionId, '/tool calculator {"expression":"6*7"}');
      expect((await api.delete(`/v1/sessions/${sessionId}`)).status).toBe(204);
      const totals = await totalsReaching(api, turn.usage.modelCalls);
      expect(totals.calls).toBe(2);
      expect(totals.inputTokens).toBe(turn.usage.inputTokens);
    });
  });

  it("counts every call of a session id that was erased and created again", async () => {
    await withRuntime(async (api) => {
      const sessionId = `again-${crypto.randomUUID()}`;
      let calls = 0;
      let inputTokens = 0;
      for (let life = 0; life < 3; life++) {
        expect((await api.post("/v1/sessions", { agent: "assistant", sessionId })).status).toBe(201);
        const turn = await api.say(sessionId, `life ${life}`);
        calls += turn.usage.modelCalls;
        inputTokens += turn.usage.inputTokens;
        // this life's calls reach the tenant's totals before the session goes
        await totalsReaching(api, calls);
        expect((await api.delete(`/v1/sessions/${sessionId}`)).status).toBe(204);
      }
      const totals = await totalsReaching(api, calls);
      expect(totals.calls).toBe(3);
      expect(totals.inputTokens).toBe(inputTokens);
    });
  });
});
