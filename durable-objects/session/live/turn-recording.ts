import type { ServerFrame } from "../../../shared/contracts/frames";

/** A recorded frame with its number in the turn's stream (SSE id `<turnId>:<n>`). */
export interface NumberedFrame {
  n: number;
  frame: ServerFrame;
}

/** Hears each frame as it is recorded, then `null` when the turn's stream ends. */
export type FrameListener = (entry: NumberedFrame | null) => void;

/** A run of deltas back to back, kept as one text: piece `i` is numbered `first + i` and ends at `ends[i]`. */
interface TextRun {
  kind: "text";
  first: number;
  turnId: string;
  text: string;
  ends: number[];
}

interface FrameEntry {
  kind: "frame";
  n: number;
  frame: ServerFrame;
  size: number;
}

type Entry = TextRun | FrameEntry;

/** What a number in a delta run costs to keep, besides its text. */
const PIECE_COST = 8;

/**
 * One turn's stream as its frames were emitted, numbered from `base + 1`, held in memory up to
 * `capBytes` (JSON text length; back-to-back deltas are kept as one text). Past the cap the
 * oldest frames are dropped and a reader that needed them is told with a `truncated` frame
 * first. Readers get what they missed, then follow live until the stream ends; a stream that
 * ended reopens if the turn goes on (after a person's decision).
 */
export class TurnRecording {
  private readonly entries: Entry[] = [];
  private readonly listeners = new Set<FrameListener>();
  private size = 0;
  private last: number;
  /** every frame numbered up to this one is no longer held */
  private dropped: number;
  /** the number of the turn's last stored-message frame */
  private lastMessage = 0;
  private status: ServerFrame | null = null;
  private closedAt: number | null = null;

  constructor(
    readonly turnId: string,
    private readonly capBytes: number,
    /** frames are numbered after this; a recording made after a restart starts high, past the last life's ids */
    base = 0,
  ) {
    this.last = base;
    this.dropped = base;
  }

  /** Whether the stream has ended (the turn finished, failed or paused for a person). */
  get ended(): boolean {
    return this.closedAt !== null;
  }

  /** When the stream ended, if it has. */
  get endedAt(): number | null {
    return this.closedAt;
  }

  /** Whether anyone reads the stream live (so the turn should stream its text). */
  get followed(): boolean {
    return this.listeners.size > 0;
  }

  /** Whether frames were dropped (the turn outgrew the cap, or began in an earlier life). */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** Records a frame and tells the readers; returns its number. A frame after the end reopens the stream. */
  add(frame: ServerFrame): number {
    this.closedAt = null;
    const n = ++this.last;
    const tail = this.entries.at(-1);
    if (frame.type === "delta") {
      if (tail?.kind === "text" && tail.turnId === frame.turnId && tail.first + tail.ends.length === n) {
        tail.text += frame.text;
        tail.ends.push(tail.text.length);
      } else
        this.entries.push({
          kind: "text",
          first: n,
          turnId: frame.turnId,
          text: frame.text,
          ends: [frame.text.length],
        });
      this.size += frame.text.length + PIECE_COST;
    } else {
      const size = JSON.stringify(frame).length;
      this.entries.push({ kind: "frame", n, frame, size });
      this.size += size;
      if (frame.type === "message") this.lastMessage = n;
      if (frame.type === "turn") this.status = frame;
    }
    this.trim();
    for (const listener of this.listeners) listener({ n, frame });
    return n;
  }

  /** Ends the stream: readers hear the end and stop following. */
  end(now = Date.now()): void {
    if (this.closedAt !== null) return;
    this.closedAt = now;
    for (const listener of this.listeners) listener(null);
    this.listeners.clear();
  }

  /**
   * The frames numbered after `after` that are still held, back-to-back deltas merged into one
   * (numbered as its last piece); a `truncated` frame first when some of them were dropped.
   */
  since(after: number): NumberedFrame[] {
    const out: NumberedFrame[] = [];
    if (after < this.dropped) {
      out.push({ n: this.dropped, frame: { type: "truncated", turnId: this.turnId, through: this.dropped } });
    }
    for (const entry of this.entries) {
      if (entry.kind === "frame") {
        if (entry.n > after) out.push({ n: entry.n, frame: entry.frame });
        continue;
      }
      const lastN = entry.first + entry.ends.length - 1;
      if (lastN <= after) continue;
      const from = after < entry.first ? 0 : (entry.ends[after - entry.first] ?? 0);
      out.push({ n: lastN, frame: { type: "delta", turnId: entry.turnId, text: entry.text.slice(from) } });
    }
    return out;
  }

  /**
   * What a client connecting mid-turn needs to show the turn: its latest `turn` frame, then its
   * frames since its last stored message (the step in flight; its text as one delta).
   */
  catchUp(): ServerFrame[] {
    const frames = this.since(this.lastMessage).map((entry) => entry.frame);
    const status = this.status;
    if (!status || frames.some((frame) => frame === status)) return frames;
    return [status, ...frames];
  }

  /**
   * Sends `listener` the frames after `after`, then each new one, then `null` at the end (at
   * once if the stream has ended); returns a function that stops following.
   */
  follow(after: number, listener: FrameListener): () => void {
    for (const entry of this.since(after)) listener(entry);
    if (this.ended) {
      listener(null);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Drops the oldest frames (the head of a long text first) until the recording fits its cap;
   * the latest frame stays, even alone over the cap (a turn's `done` with a long reply).
   */
  private trim(): void {
    while (this.size > this.capBytes) {
      const head = this.entries[0];
      if (!head) return;
      if (this.entries.length === 1) {
        // one long step: keep the end of its text (at least its last piece)
        if (head.kind === "frame" || head.ends.length < 2) return;
        const cut = head.ends.shift() as number;
        this.size -= cut + PIECE_COST;
        head.text = head.text.slice(cut);
        head.ends = head.ends.map((end) => end - cut);
        this.dropped = head.first;
        head.first++;
        continue;
      }
      this.entries.shift();
      if (head.kind === "frame") {
        this.size -= head.size;
        this.dropped = head.n;
      } else {
        this.size -= head.text.length + head.ends.length * PIECE_COST;
        this.dropped = head.first + head.ends.length - 1;
      }
    }
  }
}
