import { describe, expect, it } from "vitest";
import { type GatewayUsage, gatewayObjectName, gatewayShard, mergeGatewayUsage, shardShare } from "./gateway-shards";

const line = (model: string, agent: string, tier: "local" | "central", calls: number) => ({
  model,
  agent,
  tier,
  calls,
  inputTokens: calls * 10,
  outputTokens: calls,
  costUsd: calls / 100,
});

describe("gateway shards", () => {
  it("keeps every session on shard 0, the tenant's own gateway, when unsharded", () => {
    for (const id of ["a", "b", "task:123"]) expect(gatewayShard(id, 1)).toBe(0);
    expect(gatewayObjectName("acme", 0)).toBe("acme");
    expect(gatewayObjectName("acme", 3)).not.toBe(gatewayObjectName("acme", 2));
  });

  it("maps a session to the same shard every time, and spreads sessions evenly", () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8_000; i++) {
      const id = `session-${i}`;
      const shard = gatewayShard(id, 8);
      expect(gatewayShard(id, 8)).toBe(shard);
      counts[shard]++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(850);
    for (const count of counts) expect(count).toBeLessThan(1_150);
  });

  it.each([
    { budgetTokens: 1_000, concurrency: 8, shards: 1, share: { budgetTokens: 1_000, concurrency: 8 } },
    { budgetTokens: 1_000, concurrency: 8, shards: 4, share: { budgetTokens: 250, concurrency: 2 } },
    { budgetTokens: 1_001, concurrency: 9, shards: 4, share: { budgetTokens: 250, concurrency: 3 } },
    { budgetTokens: 0, concurrency: 1, shards: 16, share: { budgetTokens: 0, concurrency: 1 } },
  ])("gives each of $shards shards its share of $budgetTokens tokens and $concurrency calls", (row) => {
    const share = shardShare(row, row.shards);
    expect(share).toEqual(row.share);
    // the shards together never spend more than the tenant's budget
    expect(share.budgetTokens * row.shards).toBeLessThanOrEqual(row.budgetTokens);
  });

  it("adds up the shards' usage per model, agent and tier, and their budgets", () => {
    const parts: GatewayUsage[] = [
      {
        lines: [line("m", "a", "central", 2), line("m", "b", "local", 1)],
        budget: { period: "2026-12-01", spentTokens: 30, budgetTokens: 100 },
      },
      {
        lines: [line("m", "a", "central", 3), line("k", "a", "central", 1)],
        budget: { period: "2026-12-01", spentTokens: 45, budgetTokens: 100 },
      },
    ];
    expect(mergeGatewayUsage(parts)).toEqual({
      lines: [line("k", "a", "central", 1), line("m", "a", "central", 5), line("m", "b", "local", 1)],
      budget: { period: "2026-12-01", spentTokens: 75, budgetTokens: 200 },
    });
    expect(mergeGatewayUsage(parts.slice(0, 1))).toBe(parts[0]);
  });
});
