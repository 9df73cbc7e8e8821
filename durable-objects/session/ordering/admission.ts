import type { OnBusy } from "../../../shared/contracts/on-busy";

/** What the conductor knows when a request arrives. */
export interface AdmissionInput {
  /** the request's Idempotency-Key hash, if it has a key */
  requestHash?: string;
  /** an earlier request with the same key (finished or still running), if any */
  prior: { requestHash: string } | null;
  /** turns are queued or running */
  busy: boolean;
  /** the message's onBusy policy, or the session's */
  policy: OnBusy;
}

/** What happens to a request. */
export type Admission =
  /** the same key and body as an earlier request: it gets that request's outcome */
  | { kind: "replay" }
  /** the same key with another body: refused, nothing stored */
  | { kind: "conflict" }
  /** a turn runs and the policy is reject: refused, nothing stored */
  | { kind: "refuse" }
  /** a new turn, queued; `interrupt` cancels the running turn and supersedes the queued ones first */
  | { kind: "queue"; interrupt: boolean };

/**
 * Decides how a request is taken in. An idempotent retry always gets the original's outcome,
 * whatever the busy policy; otherwise the policy applies only while turns run.
 */
export function admit(input: AdmissionInput): Admission {
  if (input.requestHash !== undefined && input.prior) {
    return input.prior.requestHash === input.requestHash ? { kind: "replay" } : { kind: "conflict" };
  }
  if (input.busy && input.policy === "reject") return { kind: "refuse" };
  return { kind: "queue", interrupt: input.busy && input.policy === "interrupt" };
}
