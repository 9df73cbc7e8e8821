/** Where the task a sub-agent's session works on stands. */
export type OriginStatus = "running" | "waiting" | "completed" | "failed" | "dead_lettered" | "timed_out" | "discarded";

/** What the sub-agent's object knows when a delivery of its task arrives. */
export interface DeliveryInput {
  /** the task's latest attempt as stored, or null before the first one */
  origin: { status: OriginStatus; attempt: number } | null;
  /** the attempt this delivery carries */
  attempt: number;
  /** an attempt is running in this life of the object (a stored `running` without one died with an earlier life) */
  running: boolean;
  now: number;
  deadline: number;
}

/** What to do with a delivery. */
export type Delivery =
  /** the task is done: tell the parent again (it may have missed it), run nothing */
  | { action: "report_again" }
  /** already handled, over, or an older attempt: run nothing */
  | { action: "duplicate" }
  /** a retry while the attempt still runs (its delivery gave up): take that attempt's outcome */
  | { action: "join" }
  /** this very attempt already failed: the same failure, so the queue retries */
  | { action: "failed" }
  /** the deadline passed before the task started: tell the parent it timed out */
  | { action: "expire" }
  /** run the attempt */
  | { action: "run" };

/**
 * Decides what a delivery of a task does, so that each attempt runs once however often the
 * queue delivers it, and an attempt that died with its object runs again.
 */
export function decideDelivery(input: DeliveryInput): Delivery {
  const { origin, attempt } = input;
  if (origin) {
    if (origin.status === "completed") return { action: "report_again" };
    if (origin.status === "dead_lettered" || origin.status === "timed_out" || origin.status === "discarded") {
      return { action: "duplicate" };
    }
    // a waiting task goes on in this object when its own sub-agents answer
    if (origin.status === "waiting" || attempt < origin.attempt) return { action: "duplicate" };
    if (origin.status === "running" && input.running) {
      return attempt <= origin.attempt ? { action: "duplicate" } : { action: "join" };
    }
    if (origin.status === "failed" && attempt === origin.attempt) return { action: "failed" };
    // a later attempt after a failure, or a `running` attempt that died with the object: run
  }
  return input.now > input.deadline ? { action: "expire" } : { action: "run" };
}
