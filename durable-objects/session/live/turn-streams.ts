// The minimum "rejoin a running turn's stream" needs, for the UI message stream's resume
// (`useChat({ resume: true })`): the frames of the latest streamed chat turn, kept in memory
// while it runs. Self-contained so that native SSE/WebSocket resume can unify with it later.
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { FrameEncoder } from "../../../shared/protocols/frame-encoder";

/** Frames recorded past this many are not kept: a rejoin then answers "nothing to rejoin". */
const MAX_RECORDED_FRAMES = 10_000;

type Follower = (frame: ServerFrame | null) => void;

/** One turn's frames as its stream wrote them; followers hear the rest, then `null` at the end. */
export class TurnRecording {
  readonly frames: ServerFrame[] = [];
  private readonly followers = new Set<Follower>();
  private overflowed = false;
  ended = false;

  /** Records a frame; consecutive deltas are merged, so a long reply stays a few frames. */
  emit(frame: ServerFrame): void {
    if (this.ended) return;
    const last = this.frames.at(-1);
    if (frame.type === "delta" && last?.type === "delta" && last.turnId === frame.turnId) {
      this.frames[this.frames.length - 1] = { ...last, text: last.text + frame.text };
    } else if (this.frames.length < MAX_RECORDED_FRAMES) this.frames.push(frame);
    else this.overflowed = true;
    for (const follow of this.followers) follow(frame);
  }

  /** The turn's stream ended: followers are told, and the recording is dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const follow of this.followers) follow(null);
    this.followers.clear();
  }

  /** Whether a new reader can be given the whole stream. */
  get joinable(): boolean {
    return !this.ended && !this.overflowed;
  }

  follow(listener: Follower): () => void {
    this.followers.add(listener);
    return () => void this.followers.delete(listener);
  }
}

/** The latest streamed chat turn of a session, for readers that lost their stream to rejoin. */
export class TurnStreams {
  private latest: TurnRecording | null = null;

  /** Starts keeping a turn's frames (once the turn is accepted). */
  track(recording: TurnRecording): void {
    this.latest = recording;
    recording.follow((frame) => {
      if (frame === null && this.latest === recording) this.latest = null;
    });
  }

  /**
   * The running turn's stream from its first frame, then live until it ends, in the format of
   * a fresh encoder; null when no turn is running (or its recording grew too long).
   */
  join(encoder: FrameEncoder): ReadableStream<Uint8Array> | null {
    const recording = this.latest;
    if (!recording?.joinable) return null;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const bytes = new TextEncoder();
    let stop: () => void = () => undefined;
    const write = (text: string) => {
      if (text) writer.write(bytes.encode(text)).catch(() => stop());
    };
    for (const frame of recording.frames) write(encoder.encode(frame));
    stop = recording.follow((frame) => {
      if (frame) return write(encoder.encode(frame));
      write(encoder.end());
      writer.close().catch(() => undefined);
    });
    return readable;
  }
}
