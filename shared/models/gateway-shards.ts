import type { UsageLine } from "../contracts/usage";

/** What one gateway object answers for the tenant's usage: its lines and its budget share. */
export interface GatewayUsage {
  lines: UsageLine[];
  budget: { period: string; spentTokens: number; budgetTokens: number };
}

const binary = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** FNV-1a, 32 bits: stable across runtimes and deploys, so a session keeps its shard. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The shard (0 ≤ shard < shards) a session's central calls and usage reports go to. */
export function gatewayShard(sessionId: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a(sessionId) % shards;
}

/**
 * The gateway object's name for a tenant's shard. Shard 0 is the tenant's name alone, the
 * object an unsharded tenant has always used, so turning sharding on keeps its totals.
 */
export function gatewayObjectName(tenant: string, shard: number): string {
  return shard === 0 ? tenant : `${tenant}\u0000gateway-shard-${shard}`;
}

/**
 * What each shard enforces of the tenant's limits: the budget is split (each shard spends at
 * most its share, so the tenant never overspends), and so is the concurrency (at least one each).
 */
export function shardShare(limits: { budgetTokens: number; concurrency: number }, shards: number) {
  if (shards <= 1) return { budgetTokens: limits.budgetTokens, concurrency: limits.concurrency };
  return {
    budgetTokens: Math.floor(limits.budgetTokens / shards),
    concurrency: Math.max(1, Math.ceil(limits.concurrency / shards)),
  };
}

/** The tenant's usage from every shard's: lines added up per model, agent and tier; budgets summed. */
export function mergeGatewayUsage(parts: readonly GatewayUsage[]): GatewayUsage {
  if (parts.length === 1) return parts[0] as GatewayUsage;
  const lines = new Map<string, UsageLine>();
  for (const part of parts) {
    for (const line of part.lines) {
      const key = `${line.model}\u0000${line.agent}\u0000${line.tier}`;
      const seen = lines.get(key);
      lines.set(
        key,
        seen
          ? {
              ...seen,
              calls: seen.calls + line.calls,
              inputTokens: seen.inputTokens + line.inputTokens,
              outputTokens: seen.outputTokens + line.outputTokens,
              costUsd: seen.costUsd + line.costUsd,
            }
          : { ...line },
      );
    }
  }
  const first = parts[0]?.budget ?? { period: "", spentTokens: 0, budgetTokens: 0 };
  return {
    // in the order one gateway lists them (SQLite's binary order)
    lines: [...lines.values()].sort(
      (a, b) => binary(a.model, b.model) || binary(a.agent, b.agent) || binary(a.tier, b.tier),
    ),
    budget: {
      period: first.period,
      spentTokens: parts.reduce((n, part) => n + part.budget.spentTokens, 0),
      budgetTokens: parts.reduce((n, part) => n + part.budget.budgetTokens, 0),
    },
  };
}
