import { applySpans, type Detector, nonOverlapping } from "./detect";

/** Characters of already released text kept so that look-behinds see what came before. */
const CONTEXT_CHARS = 64;

/** Text released by the redactor, and what it replaced. */
export interface Released {
  text: string;
  found: string[];
}

/**
 * Redacts streamed text chunk by chunk. It holds back only the tail that could still grow
 * into a value a detector redacts (usually the last partial word), so a value split across
 * chunks is redacted whole, and releases everything, redacted, at `flush`.
 */
export class StreamRedactor {
  private held = "";
  private context = "";

  constructor(private readonly detectors: readonly Detector[]) {}

  /** Adds a chunk; returns the text that can be released now. */
  push(chunk: string): Released {
    this.held += chunk;
    return this.release(false);
  }

  /** Releases all held text (a step's text ended). */
  flush(): Released {
    return this.release(true);
  }

  /** Whether any text is held back. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  private release(all: boolean): Released {
    if (this.held.length === 0) return { text: "", found: [] };
    const offset = this.context.length;
    const text = this.context + this.held;
    const spans = nonOverlapping(this.detectors.flatMap((detector) => detector.find(text))).filter(
      (span) => span.end > offset,
    );
    let cut = text.length;
    if (!all) {
      for (const detector of this.detectors) cut = Math.min(cut, detector.openFrom(text));
      // a value that reaches past the cut is held whole
      for (const span of spans) if (span.start < cut && span.end > cut) cut = span.start;
      cut = Math.max(cut, offset);
    }
    const inside = spans.filter((span) => span.end <= cut && span.start >= offset);
    const released = text.slice(offset, cut);
    const shifted = inside.map((span) => ({ ...span, start: span.start - offset, end: span.end - offset }));
    this.context = text.slice(Math.max(0, cut - CONTEXT_CHARS), cut);
    this.held = text.slice(cut);
    return { text: applySpans(released, shifted), found: inside.map((span) => span.label) };
  }
}
