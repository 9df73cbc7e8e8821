import type { ChatOutcome, ChatStreamOutcome } from "../durable-objects/rpc";
import { EdgentError, fromFailure, refusalFailure } from "../shared/errors";

/** A chat turn that did not complete or start streaming. */
export type ChatMiss = Exclude<ChatOutcome | ChatStreamOutcome, { status: "completed" } | { status: "streaming" }>;

/** The error for a chat turn that did not complete, in the one vocabulary. */
export function chatFailure(outcome: ChatMiss, sessionId: string): EdgentError {
  switch (outcome.status) {
    case "failed":
      return fromFailure(outcome.failure);
    case "agent_mismatch":
      return new EdgentError("conflict", `model: session '${sessionId}' runs agent '${outcome.agent}'`);
    case "retry":
      return new EdgentError("session_unavailable", `session '${sessionId}' is being erased; retry shortly`);
    case "waiting":
      return new EdgentError(
        "conflict",
        `the turn of this Idempotency-Key (${outcome.turnId}) still waits for sub-agents; retry later`,
      );
    case "awaiting_approval": {
      // a chat completion cannot carry a pending approval: the client decides it on the native API
      const pending = outcome.approvals
        .map((a) => `'${a.tool}' (POST /v1/sessions/${sessionId}/approvals/${a.approvalId})`)
        .join(", ");
      return new EdgentError(
        "conflict",
        `turn ${outcome.turnId} waits for a person to approve ${pending}; its reply lands in the session once decided`,
        { turnId: outcome.turnId },
      );
    }
    default:
      return fromFailure(refusalFailure(outcome.status, sessionId));
  }
}

/** Passes a stream through and calls `done` once it has all gone by. */
export function afterStream(done: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({ flush: done });
}
