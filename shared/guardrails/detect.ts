/** A stretch of text to replace: where it is, what replaces it, and what was found. */
export interface Span {
  start: number;
  end: number;
  replacement: string;
  /** what was found, e.g. "email"; never the value itself */
  label: string;
}

/**
 * Finds values to redact in text. `openFrom` makes it safe on streamed text: it names the
 * index from which the end of `text` could still grow into a match once more text arrives
 * (text.length when nothing can), so a stream holds back only that tail.
 */
export interface Detector {
  label: string;
  find(text: string): Span[];
  openFrom(text: string): number;
}

/** Options of a detector made from a regular expression. */
export interface PatternOptions {
  /** keeps only matches that pass (a checksum, say) */
  valid?(match: string): boolean;
  /** replaces only this capture group of each match (default: the whole match) */
  group?: number;
  /** the longest match; a stream holds back at most this much (default 256) */
  maxLength?: number;
  /** the characters a match is made of: a stream holds back the trailing run of them */
  chars?: RegExp;
  /** a cheap test every match passes (say, an `@`): text without it is not searched */
  hint?: RegExp;
}

/** A detector from a global regular expression, replacing each (valid) match with `[REDACTED:label]`. */
export function patternDetector(label: string, pattern: RegExp, options: PatternOptions = {}): Detector {
  if (!pattern.global) throw new Error(`the pattern of detector '${label}' must be global (/.../g)`);
  const replacement = `[REDACTED:${label}]`;
  const maxLength = options.maxLength ?? 256;
  const trailing = options.chars ? new RegExp(`${options.chars.source}*$`, options.chars.flags.replace("g", "")) : null;
  return {
    label,
    find(text) {
      if (options.hint && !options.hint.test(text)) return [];
      const spans: Span[] = [];
      for (const match of text.matchAll(pattern)) {
        const whole = match[0];
        if (options.valid && !options.valid(whole)) continue;
        let start = match.index;
        let end = start + whole.length;
        if (options.group !== undefined) {
          const part = match[options.group];
          if (part === undefined) continue;
          start += whole.lastIndexOf(part);
          end = start + part.length;
        }
        spans.push({ start, end, replacement, label });
      }
      return spans;
    },
    openFrom(text) {
      if (!trailing) return Math.max(0, text.length - maxLength);
      const run = trailing.exec(text);
      if (!run || run[0].length === 0 || run[0].length > maxLength) return text.length;
      return run.index;
    },
  };
}

/** Applies spans to text; where spans overlap, the one that starts first (then the longest) wins. */
export function applySpans(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  for (const span of sorted) {
    if (span.start < at) continue;
    out += text.slice(at, span.start) + span.replacement;
    at = span.end;
  }
  return out + text.slice(at);
}

/** What redacting a text found. */
export interface Redaction {
  text: string;
  /** labels of what was replaced, one per value */
  found: string[];
}

/** Redacts every value the detectors find in a whole text. */
export function redactText(text: string, detectors: readonly Detector[]): Redaction {
  const spans = detectors.flatMap((detector) => detector.find(text));
  if (spans.length === 0) return { text, found: [] };
  const kept = nonOverlapping(spans);
  return { text: applySpans(text, kept), found: kept.map((span) => span.label) };
}

/** Redacts every string inside a JSON-like value (tool arguments, tool results). */
export function redactValue(value: unknown, detectors: readonly Detector[]): { value: unknown; found: string[] } {
  const found: string[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      const redacted = redactText(node, detectors);
      found.push(...redacted.found);
      return redacted.text;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, walk(inner)]));
    }
    return node;
  };
  const out = walk(value);
  return { value: found.length > 0 ? out : value, found };
}

/** The spans that survive overlap resolution, in text order. */
export function nonOverlapping(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let at = 0;
  for (const span of sorted) {
    if (span.start < at) continue;
    kept.push(span);
    at = span.end;
  }
  return kept;
}
