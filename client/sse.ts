/** One server-sent event: its name (`message` when unnamed) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Reads server-sent events from a byte stream as they arrive: lines split on LF, CRLF or
 * CR, `data:` lines joined with newlines, comments and unknown fields skipped, an event
 * dispatched at each blank line (one the stream cut off before its blank line is dropped).
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
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
          if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
          if (field === "data") data.push(value);
          else if (field === "event") event = value;
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
