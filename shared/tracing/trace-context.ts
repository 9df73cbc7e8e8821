/**
 * A W3C trace context (https://www.w3.org/TR/trace-context/): the trace a piece of work
 * belongs to, and the span it runs under (none for the trace's first span).
 */
export interface SpanContext {
  /** 32 lowercase hex digits, not all zero */
  traceId: string;
  /** 16 lowercase hex digits, not all zero; absent at a trace's root */
  spanId?: string;
  /** the caller records this trace (flag 01); unsampled traces are kept locally, not exported */
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/**
 * Reads a `traceparent` header. Anything malformed (wrong shape, upper case, all-zero ids,
 * version ff, extra fields on version 00) is null: the caller starts a trace of its own.
 */
export function parseTraceparent(header: string | null | undefined): (SpanContext & { spanId: string }) | null {
  if (!header || header.length > 512) return null;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version, traceId = "", spanId = "", flags = "00", rest] = match;
  // version ff is invalid; version 00 has exactly four fields; later versions may add some
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` value of a span: version 00 with the sampled flag. */
export function formatTraceparent(context: { traceId: string; spanId: string; sampled?: boolean }): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled === false ? "00" : "01"}`;
}

/**
 * 32 random bits as 8 hex digits. Ids need to be unique, not secret: Math.random (a fast
 * xorshift in V8) costs a fraction of crypto.getRandomValues, which a turn calls for each span.
 */
function random32(): string {
  return ((Math.random() * 0x1_0000_0000) >>> 0).toString(16).padStart(8, "0");
}

/** A new random trace id. */
export function newTraceId(): string {
  const id = random32() + random32() + random32() + random32();
  return id === ZERO_TRACE ? newTraceId() : id;
}

/** A new random span id. */
export function newSpanId(): string {
  const id = random32() + random32();
  return id === ZERO_SPAN ? newSpanId() : id;
}

/**
 * A span id that anyone can compute from a UUID (a turn's or a task's): its last 16 hex
 * digits, which are random in a v4 UUID and never all zero (they hold the variant bits).
 * Objects that never talk to each other agree on the id of a turn's or task's span.
 */
export function spanIdOf(uuid: string): string {
  // xxxxxxxx-xxxx-xxxx-XXXX-XXXXXXXXXXXX: the last two groups
  const tail = uuid.length === 36 && uuid[23] === "-" ? uuid.slice(19, 23) + uuid.slice(24) : "";
  return HEX16.test(tail) && tail !== ZERO_SPAN ? tail : fnv64(uuid);
}

const HEX16 = /^[0-9a-f]{16}$/;

/** The span id of a turn's `invoke_agent` span. */
export function turnSpanId(turnId: string): string {
  return spanIdOf(turnId);
}

/** The span id of a delegated task's span in the parent session. */
export function taskSpanId(taskId: string): string {
  return spanIdOf(taskId);
}

/** 64-bit FNV-1a of a text as 16 hex digits: a stable id for ids that are not UUIDs. */
function fnv64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const hex = hash.toString(16).padStart(16, "0");
  return hex === ZERO_SPAN ? "0000000000000001" : hex;
}
