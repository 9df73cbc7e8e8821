import type { ServerFrame } from "../../../shared/contracts/frames";
import { edgentEncoder, type FrameEncoder } from "../../../shared/protocols/frame-encoder";
import type { RejoinOutcome, StreamOutcome } from "../../rpc";
import type { Submission } from "../ordering/conductor";
import { closingFrame, readRecording, type TurnStreams } from "./turn-streams";

/**
 * A submitted turn's frames as server-sent events as they happen, ending with `done` (or an
 * error frame), each with its id `<turnId>:<n>` so a reader that loses the stream can rejoin
 * it. A turn that waits for sub-agents keeps the stream open until its reply, for as long as
 * the object lives; one that pauses for a person's approval ends the stream with its
 * `awaiting_approval` turn frame (a decision continues the turn). A replayed request (the same
 * Idempotency-Key) gets its original's end only, without ids.
 */
export function streamTurn(
  sessionId: string,
  submission: Submission,
  streams: TurnStreams,
  background: (work: Promise<unknown>) => void,
  encoder: FrameEncoder = edgentEncoder(),
): StreamOutcome {
  if (submission.kind === "refused") return { status: "busy" };
  if (submission.kind === "conflict") return { status: "idempotency_conflict" };
  const { turnId } = submission;
  const recording = submission.kind === "queued" && turnId ? streams.get(turnId) : undefined;
  if (recording && turnId) {
    const { stream, ended } = readRecording(recording, 0, encoder);
    background(ended);
    return { status: "streaming", stream, turnId };
  }
  return { status: "streaming", stream: replayed(sessionId, submission, encoder, background) };
}

/** The stream of a replayed request: its original's outcome as the stream's end. */
function replayed(
  sessionId: string,
  submission: Submission,
  encoder: FrameEncoder,
  background: (work: Promise<unknown>) => void,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const bytes = new TextEncoder();
  const send = (text: string) => {
    if (text) writer.write(bytes.encode(text)).catch(() => undefined);
  };
  const write = (frame: ServerFrame | null) => {
    if (frame) send(encoder.encode(frame));
  };
  const finished = submission.outcome
    .then((outcome) => {
      // a replayed failure of a turn that ran has not streamed its error frame here
      if (outcome.status === "failed") return write({ type: "error", error: outcome.failure });
      if (outcome.status === "awaiting_approval") {
        return write({ type: "turn", turnId: outcome.turnId, status: "awaiting_approval" });
      }
      return write(closingFrame(outcome, sessionId));
    })
    .catch(() => write({ type: "error", error: { code: "internal", message: "internal error" } }))
    .finally(() => {
      send(encoder.end());
      return writer.close().catch(() => undefined);
    });
  background(finished);
  return readable;
}

/**
 * A turn's stream after frame `after`, live until it ends; `idle` (with the turn's status) when
 * it is no longer held (it ended a while ago, or before the object restarted), `not_found` for
 * no such turn.
 */
export function rejoinTurn(
  streams: TurnStreams,
  ledger: { statusOf(turnId: string): string | null },
  turnId: string,
  after: number,
  background: (work: Promise<unknown>) => void,
): RejoinOutcome {
  const recording = streams.get(turnId);
  if (!recording) {
    const turnStatus = ledger.statusOf(turnId);
    return turnStatus === null ? { status: "not_found" } : { status: "idle", turnStatus };
  }
  const { stream, ended } = readRecording(recording, after, edgentEncoder());
  background(ended);
  return { status: "streaming", stream };
}
