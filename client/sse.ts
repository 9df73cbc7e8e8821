/** One server-sent event: its name (`message` when unnamed) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/** A server-sent event with the stream's last event id when it was dispatched (the spec's, from `id:` fields). */
export interface IdentifiedSseEvent extends SseEvent {
  lastEventId: string;
}

/** Reads server-sent events as `readIdentifiedSse` does, without their ids. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  for await (const { event, data } of readIdentifiedSse(body)) yield { event, data };
}

/**
 * Reads server-sent events from a byte stream as they arrive: lines split on LF, CRLF or
 * CR, `data:` lines joined with newlines, `id:` kept as the last event id, comments and
 * unknown fields skipped, an event dispatched at each blank line (one the stream cut off
 * before its blank line is dropped).
 */
export async function* readIdentifiedSse(body: ReadableStream<Uint8Array>): AsyncGenerator<IdentifiedSseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let lastEventId = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let lineEnd = buffer.search(/\r\n|\r|\n/);
      // a trailing CR may be the first half of CRLF: wait for the next chunk unless the stream ended
      while (lineEnd >= 0 && (done || lineEnd < buffer.length - 1 || buffer[lineEnd] !== "\r")) {
        const line = buffer.slice(0, lineEnd);
        buffer = buffer.slice(lineEnd + (buffer.startsWith("\r\n", lineEnd) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n"), lastEventId };
          event = "";
          data = [];
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
          if (field === "data") data.push(value);
          else if (field === "event") event = value;
          // the spec ignores an id containing NUL; the last event id persists across events
          else if (field === "id" && !value.includes("\0")) lastEventId = value;
        }
        lineEnd = buffer.search(/\r\n|\r|\n/);
      }
      // an event cut off before its blank line is not dispatched (the SSE spec)
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
}
