import type { AgentDefinition } from "../agents/define";

/** Where a turn sits in the delegation tree. A user's own session is depth 0. */
export interface DelegationScope {
  /** depth of the session the turn runs in */
  depth: number;
  /** agents from the root session down to this one */
  chain: readonly string[];
}

export type DelegationCheck = { ok: true } | { ok: false; reason: string };

/** How deep the tree may grow and how many tasks one turn may hand out. */
export interface DelegationLimits {
  maxDepth: number;
  maxFanout: number;
}

/**
 * Whether `agent` may hand a task to `target` now: the target must be one of its declared
 * delegates, the task must stay within the depth limit, must not lead back to an agent
 * already on the chain (a cycle), and the turn must be within its fan-out limit.
 */
export function checkDelegation(
  agent: AgentDefinition,
  target: string,
  scope: DelegationScope,
  delegatedThisTurn: number,
  limits: DelegationLimits,
): DelegationCheck {
  if (!agent.delegates.includes(target)) {
    return {
      ok: false,
      reason: `agent '${agent.name}' cannot delegate to '${target}'; it may delegate to: ${agent.delegates.join(", ")}`,
    };
  }
  if (scope.depth + 1 > limits.maxDepth) {
    return {
      ok: false,
      reason: `delegation depth limit reached: a task at depth ${scope.depth + 1} exceeds the limit of ${limits.maxDepth}`,
    };
  }
  if (scope.chain.includes(target)) {
    return {
      ok: false,
      reason: `delegation cycle refused: '${target}' is already working on this request (${[...scope.chain, target].join(" -> ")})`,
    };
  }
  if (delegatedThisTurn >= limits.maxFanout) {
    return { ok: false, reason: `fan-out limit reached: a turn may delegate at most ${limits.maxFanout} tasks` };
  }
  return { ok: true };
}
