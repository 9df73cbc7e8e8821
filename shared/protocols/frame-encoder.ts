import type { ServerFrame } from "../contracts/frames";

/**
 * Writes a turn's frames in one wire format (Edgent's SSE, the AI SDK's UI message stream,
 * OpenAI's chunks). One encoder per stream: formats keep state (open text parts, steps).
 */
export interface FrameEncoder {
  /** whether a reader that falls far behind may skip deltas (only if the format can lose text) */
  readonly skipsDeltas: boolean;
  /** the bytes for one frame (`id`: its number in the turn's stream, where the format has ids); "" when the format has nothing to say about it */
  encode(frame: ServerFrame, id?: string): string;
  /** the bytes that end the stream */
  end(): string;
}

/** One server-sent event whose data is JSON. */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/**
 * Edgent's own SSE: each frame as an event named after its type, with its id when it has one.
 * `event:` stays the first line, as it was before events had ids: readers that find events by it keep working.
 */
export function edgentEncoder(): FrameEncoder {
  return {
    skipsDeltas: true,
    encode: (frame, id) => `event: ${frame.type}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(frame)}\n\n`,
    end: () => "",
  };
}
