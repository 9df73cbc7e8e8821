import type { Connection } from "agents";
import { type ClientFrame, clientFrameSchema } from "../../shared/contracts/frames";
import type { SendOutcome, TurnConductor } from "./conductor";
import { type LiveDelivery, type LiveState, send } from "./live";
import type { SessionMeta } from "./store";

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

/** Answers a client's WebSocket frame: ping, resume, cancel or a message to run as a turn. */
export async function answerFrame(
  connection: Connection<LiveState>,
  frame: ClientFrame,
  meta: SessionMeta,
  live: LiveDelivery,
  conductor: TurnConductor,
): Promise<void> {
  // a client that speaks without resuming first wants live delivery from here on
  if (frame.type !== "resume") live.release(connection);
  switch (frame.type) {
    case "ping":
      return void send(connection, { type: "pong" });
    case "resume":
      if (!live.resume(connection, frame.after)) {
        send(connection, {
          type: "error",
          error: {
            code: "resume_too_late",
            message: "live delivery already began; reconnect with ?after=<seq> or send resume right after ready",
          },
        });
      }
      return;
    case "cancel": {
      const outcome = await conductor.cancel(frame.turnId);
      if (outcome.status !== "cancelled") {
        send(connection, {
          type: "error",
          error: {
            code: outcome.status === "not_found" ? "not_found" : "conflict",
            message: `turn ${frame.turnId} is ${outcome.status.replace("_", " ")}`,
          },
        });
      }
      return;
    }
    case "message": {
      const outcome = await conductor.submit(meta, frame).outcome;
      // a turn that ran has broadcast its own frames; anything else is answered here
      if (outcome.status !== "completed" && !(outcome.status === "failed" && outcome.failure.turnId)) {
        send(connection, { type: "error", error: refusalError(outcome) });
      }
      return;
    }
  }
}
