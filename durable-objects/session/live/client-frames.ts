import type { Connection } from "agents";
import { type ClientFrame, clientFrameSchema, type FrameError } from "../../../shared/contracts/frames";
import { refusalFailure } from "../../../shared/errors";
import type { SendOutcome } from "../../rpc";
import type { TurnConductor } from "../ordering/conductor";
import type { SessionMeta } from "../storage/rows";
import { type LiveDelivery, type LiveState, send } from "./live-delivery";

/** Largest WebSocket frame a client may send, in bytes; larger ones close the socket with 1009. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Whether a frame is over `limit` bytes as it came over the wire (UTF-8 for text frames). */
export function frameOverLimit(message: string | ArrayBuffer | ArrayBufferView, limit = MAX_FRAME_BYTES): boolean {
  if (typeof message !== "string") return message.byteLength > limit;
  // a UTF-16 code unit is 1 to 3 UTF-8 bytes (a surrogate pair, two units, is 4)
  if (message.length > limit) return true;
  if (message.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < message.length && bytes <= limit; i++) {
    const code = message.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && isLowSurrogate(message.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate (sent as U+FFFD)
  }
  return bytes > limit;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

/** The error frame for an outcome that did not produce a turn of its own, or null if it did. */
export function outcomeError(outcome: SendOutcome, sessionId: string): FrameError | null {
  switch (outcome.status) {
    case "completed":
    case "waiting":
    case "awaiting_approval":
      return null;
    case "failed":
      // a turn that ran has sent its own error frame
      return outcome.failure.turnId ? null : outcome.failure;
    default:
      return refusalFailure(outcome.status, sessionId);
  }
}

/** Reads a client frame, or says what is wrong with it. */
export function parseFrame(message: string | ArrayBuffer | ArrayBufferView): ClientFrame | { error: FrameError } {
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
  switch (frame.type) {
    case "ping":
      return void send(connection, { type: "pong" });
    case "resume":
      if (!live.resume(connection, frame.after)) {
        send(connection, {
          type: "error",
          error: {
            code: "resume_too_late",
            message:
              "a stored message was already delivered on this connection, so the gap cannot come before it: reconnect with ?after=<seq>",
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
      const error = outcomeError(outcome, meta.sessionId);
      if (error) send(connection, { type: "error", error });
      return;
    }
  }
}
