/** How many spans a session keeps, and for how long. */
export interface RetentionLimits {
  maxSpans: number;
  maxAgeMs: number;
}

/** What a session's span table holds: its span count and the start of its oldest turn (or delivery). */
export interface RetentionState {
  spans: number;
  oldestGroupMs: number | null;
}

/** What to delete: whole turns that started before `beforeMs`, then the oldest turns until `keepSpans` remain. */
export type RetentionDecision = { prune: false } | { prune: true; beforeMs?: number; keepSpans?: number };

/** Share of the limit kept after pruning for count, so a full table is not pruned on every turn. */
const REFILL = 0.9;

/**
 * Decides whether a session prunes its spans: turns older than the age limit go; over the
 * count limit, the oldest turns go until 90% of it remains. Turns are removed whole, so a
 * trace is never shown half-pruned.
 */
export function decideRetention(state: RetentionState, limits: RetentionLimits, now: number): RetentionDecision {
  const tooOld = state.oldestGroupMs !== null && state.oldestGroupMs < now - limits.maxAgeMs;
  const tooMany = state.spans > limits.maxSpans;
  if (!tooOld && !tooMany) return { prune: false };
  return {
    prune: true,
    ...(tooOld ? { beforeMs: now - limits.maxAgeMs } : {}),
    ...(tooMany ? { keepSpans: Math.floor(limits.maxSpans * REFILL) } : {}),
  };
}
