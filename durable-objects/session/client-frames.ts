import { type ClientFrame, clientFrameSchema } from "../../shared/contracts/frames";
import type { SendOutcome } from "./conductor";

/** The error frame for an outcome that did not produce a turn of its own. */
export function refusalError(outcome: SendOutcome): { code: string; message: string; turnId?: string } {
  switch (outcome.status) {
    case "failed":
      return outcome.failure;
    case "busy":
      return { code: "conflict", message: "a turn is running and this message's onBusy policy is reject" };
    case "superseded":
      return { code: "conflict", message: "superseded by an interrupting message; nothing was stored" };
    case "idempotency_conflict":
      return { code: "conflict", message: "Idempotency-Key was already used with a different request body" };
    case "not_found":
      return { code: "not_found", message: "session not found" };
    case "completed":
    case "pending":
      return { code: "internal", message: "not an error" };
  }
}

/** Reads a client frame, or says what is wrong with it. */
export function parseFrame(
  message: string | ArrayBuffer | ArrayBufferView,
): ClientFrame | { error: { code: string; message: string } } {
  if (typeof message !== "string") return { error: { code: "bad_request", message: "frames must be JSON text" } };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { error: { code: "bad_request", message: "the frame is not valid JSON" } };
  }
  const result = clientFrameSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return {
    error: {
      code: "validation_failed",
      message: `${issue?.path.join(".") || "frame"}: ${issue?.message ?? "invalid"}`,
    },
  };
}
