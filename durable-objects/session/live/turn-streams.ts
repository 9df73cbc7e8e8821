import type { ServerFrame } from "../../../shared/contracts/frames";
import { refusalFailure } from "../../../shared/errors";
import { eventId } from "../../../shared/protocols/event-id";
import type { FrameEncoder } from "../../../shared/protocols/frame-encoder";
import type { SendOutcome } from "../../rpc";
import type { TurnSink } from "../turn/output-gate";
import { TurnRecording } from "./turn-recording";

/** How many ended turns' streams are kept for a late rejoin, besides the running one. */
export const ENDED_KEPT = 3;
/** How long an ended turn's stream is kept for a late rejoin. */
export const ENDED_KEPT_MS = 5 * 60_000;
/** How many SSE chunks may wait for a slow reader before deltas are skipped. */
const SSE_DELTA_BACKLOG = 256;

/**
 * The streams of a session's turns, in memory: every frame a turn emits (and the frame that
 * ends a streamed turn: `done`, or an `error` for a turn that never ran) is recorded once, and
 * serves every reader: the caller's own SSE stream, a rejoin of it (`Last-Event-ID`), the UI
 * message stream's resume and a WebSocket client's catch-up mid-turn. Recordings of ended
 * turns are kept a little while (the last few, for a few minutes); nothing survives a restart.
 */
export class TurnStreams {
  private readonly recordings = new Map<string, TurnRecording>();

  constructor(private readonly capBytes: number) {}

  /** The recording of a turn, made empty if there is none (a turn resumed in a later life starts past old ids). */
  open(turnId: string, resumed = false): TurnRecording {
    let recording = this.recordings.get(turnId);
    if (!recording) {
      recording = new TurnRecording(turnId, this.capBytes, resumed ? Date.now() : 0);
      this.recordings.set(turnId, recording);
    }
    return recording;
  }

  /** The recording of a turn, if it is still held. */
  get(turnId: string, now = Date.now()): TurnRecording | undefined {
    this.forgetOld(now);
    return this.recordings.get(turnId);
  }

  /** Whether someone reads the turn's stream live. */
  followed(turnId: string): boolean {
    return this.recordings.get(turnId)?.followed ?? false;
  }

  /** A sink for the turn's frames: each is recorded, then passed on (to the live clients). */
  sink(turnId: string, next: TurnSink, resumed = false): TurnSink {
    const recording = this.open(turnId, resumed);
    return {
      emit(frame) {
        recording.add(frame);
        next.emit(frame);
      },
    };
  }

  /**
   * The turn's stream ends with its outcome (`done` for a turn body; an `error` for one that
   * never ran; nothing more for one that failed or paused, which streamed its own frames).
   * Ending twice with no frame in between changes nothing.
   */
  settle(turnId: string, outcome: SendOutcome, sessionId: string): void {
    const recording = this.recordings.get(turnId);
    if (!recording || recording.ended) return;
    const frame = closingFrame(outcome, sessionId);
    if (frame) recording.add(frame);
    recording.end();
    this.forgetOld(Date.now());
  }

  /** What a WebSocket client connecting now must see of the turns under way (the step in flight of each). */
  catchUp(): ServerFrame[] {
    return [...this.recordings.values()].filter((recording) => !recording.ended).flatMap((r) => r.catchUp());
  }

  /** Drops ended recordings past the few kept, or kept too long. */
  private forgetOld(now: number): void {
    const ended = [...this.recordings.values()].filter((recording) => recording.ended);
    ended.forEach((recording, index) => {
      const stale = now - (recording.endedAt ?? now) > ENDED_KEPT_MS;
      if (stale || index < ended.length - ENDED_KEPT) this.recordings.delete(recording.turnId);
    });
  }
}

/** The frame that ends a streamed turn's stream after its own frames, if any. */
export function closingFrame(outcome: SendOutcome, sessionId: string): ServerFrame | null {
  switch (outcome.status) {
    case "completed":
      return { type: "done", body: outcome.response };
    case "waiting":
      return { type: "turn", turnId: outcome.turnId, status: "waiting" };
    case "awaiting_approval":
      // the turn streamed its approval request and pause
      return null;
    case "failed":
      // a turn that ran has streamed its own error frame
      return outcome.failure.turnId ? null : { type: "error", error: outcome.failure };
    default:
      return { type: "error", error: refusalFailure(outcome.status, sessionId) };
  }
}

/**
 * A recording's stream from after frame `after`, in `encoder`'s format, live until the turn's
 * stream ends; `ids` writes each frame's number for Last-Event-ID. A reader that falls far
 * behind skips deltas if the format allows (never stored messages or the end).
 */
export function readRecording(
  recording: TurnRecording,
  after: number,
  encoder: FrameEncoder,
): { stream: ReadableStream<Uint8Array>; ended: Promise<void> } {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const bytes = new TextEncoder();
  let open = true;
  let stop: () => void = () => undefined;
  let finish: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const send = (text: string) => {
    // a reader that went away stops receiving; the turn goes on and is stored
    if (text && open)
      writer.write(bytes.encode(text)).catch(() => {
        open = false;
        stop();
        finish();
      });
  };
  stop = recording.follow(after, (entry) => {
    if (entry === null) {
      send(encoder.end());
      writer.close().catch(() => undefined);
      finish();
      return;
    }
    const { frame, n } = entry;
    if (frame.type === "delta" && encoder.skipsDeltas && (writer.desiredSize ?? 0) < -SSE_DELTA_BACKLOG) return;
    send(encoder.encode(frame, eventId(recording.turnId, n)));
  });
  return { stream: readable, ended };
}
