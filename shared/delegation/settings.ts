import { boundedInt } from "../models/settings";

/** Delegation settings from wrangler.toml `[vars]`, bounded, with defaults. */
export interface DelegationSettings {
  /** deepest level of sub-agent a task may run at (a user's session is level 0) */
  maxDepth: number;
  /** tasks one turn may delegate, across all its steps */
  maxFanout: number;
  /** how long a task may take, from dispatch to result, before it is timed out */
  taskTimeoutMs: number;
  /** the first retry waits this long; each later one twice as long as the one before */
  retryBaseSeconds: number;
  /** `queue` (Cloudflare Queues, with retries and dead letters) or `direct` (object-to-object RPC) */
  transport: "queue" | "direct";
  /** how long POST /messages waits for a turn before answering 202 pending */
  turnWaitMs: number;
}

export interface DelegationEnv {
  EDGENT_DELEGATION_MAX_DEPTH?: string;
  EDGENT_DELEGATION_MAX_FANOUT?: string;
  EDGENT_TASK_TIMEOUT_MS?: string;
  EDGENT_TASK_RETRY_BASE_SECONDS?: string;
  EDGENT_DELEGATION_TRANSPORT?: string;
  EDGENT_TURN_WAIT_MS?: string;
}

export function delegationSettings(env: DelegationEnv): DelegationSettings {
  return {
    maxDepth: boundedInt(env.EDGENT_DELEGATION_MAX_DEPTH, 1, 16, 3),
    maxFanout: boundedInt(env.EDGENT_DELEGATION_MAX_FANOUT, 1, 500, 64),
    taskTimeoutMs: boundedInt(env.EDGENT_TASK_TIMEOUT_MS, 100, 3_600_000, 120_000),
    retryBaseSeconds: boundedInt(env.EDGENT_TASK_RETRY_BASE_SECONDS, 0, 3_600, 2),
    transport: env.EDGENT_DELEGATION_TRANSPORT === "direct" ? "direct" : "queue",
    turnWaitMs: boundedInt(env.EDGENT_TURN_WAIT_MS, 0, 300_000, 25_000),
  };
}

/** Seconds to wait after failed attempt `failed` (1, 2, ...): base, 2·base, 4·base, ..., at most 12 h (the Queues limit). */
export function retryDelaySeconds(failed: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, failed - 1), 43_200);
}
