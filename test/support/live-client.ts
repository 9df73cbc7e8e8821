import WebSocket from "ws";
import { type ServerFrame, serverFrameSchema } from "../../shared/contracts/frames";
import type { Message, TurnResponse } from "../../shared/contracts/message";

/** How a test client authenticates its upgrade, and what else it sends with it. */
export interface LiveAuth {
  token?: string;
  ticket?: string;
  after?: number;
  /** more headers and query parameters, e.g. ones a client must not be able to steer with */
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** A server frame of one type. */
export type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** Matches frames of `type` (narrowing to it) for which `where` holds. */
export function isFrame<T extends ServerFrame["type"]>(
  type: T,
  where: (frame: FrameOf<T>) => boolean = () => true,
): (frame: ServerFrame) => frame is FrameOf<T> {
  const ofType = (frame: ServerFrame): frame is FrameOf<T> => frame.type === type;
  return (frame): frame is FrameOf<T> => ofType(frame) && where(frame);
}

/** Parses a frame as received; a frame that breaks the contract throws, naming it. */
function parseFrame(text: string): ServerFrame {
  const parsed = serverFrameSchema.safeParse(safeJson(text));
  if (parsed.success) return parsed.data;
  throw new Error(`a server frame breaks the contract: ${parsed.error}\n${text.slice(0, 500)}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A refused upgrade, with the HTTP status the server answered. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`);
  }
}

/** A real WebSocket client of a session that records every frame it receives. */
export class LiveClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  /** the first frame received that broke the contract: every later wait fails with it */
  private broken: Error | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      try {
        this.frames.push(parseFrame(String(data)));
      } catch (error) {
        this.broken ??= error instanceof Error ? error : new Error(String(error));
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens a socket and waits for the server's `ready` frame. */
  static async connect(base: URL, sessionId: string, auth: LiveAuth = { token: "dev-token" }): Promise<LiveClient> {
    const url = new URL(`/v1/sessions/${sessionId}/ws`, base);
    url.protocol = "ws:";
    for (const [name, value] of Object.entries(auth.query ?? {})) url.searchParams.set(name, value);
    if (auth.ticket) url.searchParams.set("ticket", auth.ticket);
    if (auth.after !== undefined) url.searchParams.set("after", String(auth.after));
    const headers = { ...auth.headers, ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}) };
    const socket = new WebSocket(url, { headers });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("unexpected-response", (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      socket.once("error", reject);
    });
    await client.waitFor((frame) => frame.type === "ready");
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Resolves with the first recorded frame (past or future) that matches; fails after a timeout,
   * or as soon as a frame that breaks the contract arrives.
   */
  waitFor<F extends ServerFrame>(match: (frame: ServerFrame) => frame is F, timeoutMs?: number): Promise<F>;
  waitFor(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  async waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.broken) throw this.broken;
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stored messages received, in arrival order. */
  messages(): Message[] {
    if (this.broken) throw this.broken;
    return this.frames.flatMap((frame) => (frame.type === "message" ? [frame.message] : []));
  }

  /** Waits until a turn reaches a final status. */
  turnEnded(turnId?: string): Promise<FrameOf<"turn">> {
    return this.waitFor(
      isFrame(
        "turn",
        (f) => f.status !== "started" && f.status !== "waiting" && (turnId === undefined || f.turnId === turnId),
      ),
    );
  }

  close(): void {
    this.socket.close(1000);
  }
}

/** One server-sent event as received, with its id (if it had one) and when it arrived. */
export interface SseEvent {
  event: string;
  id?: string;
  frame: ServerFrame;
  at: number;
}

/** A read SSE answer: its status, events and headers. */
export interface SseAnswer {
  status: number;
  events: SseEvent[];
  contentType: string | null;
  headers: Headers;
}

/** How a test reads an event stream: its token, more headers, and when to disconnect early. */
export interface SseOptions {
  token?: string;
  headers?: Record<string, string>;
  stopAfter?: (event: SseEvent) => boolean;
}

/**
 * Posts a message asking for SSE and reads events as they arrive, each frame parsed with the
 * contract (its event name must be its type); `stopAfter` disconnects early.
 */
export function streamTurn(base: URL, sessionId: string, body: unknown, options: SseOptions = {}): Promise<SseAnswer> {
  return readStream(new URL(`/v1/sessions/${sessionId}/messages`, base), options, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Rejoins a turn's stream (`GET .../turns/:turnId/stream`), after `lastEventId` if given. */
export function rejoinTurn(
  base: URL,
  sessionId: string,
  turnId: string,
  options: SseOptions & { lastEventId?: string } = {},
): Promise<SseAnswer> {
  const headers: Record<string, string> =
    options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId };
  return readStream(new URL(`/v1/sessions/${sessionId}/turns/${turnId}/stream`, base), options, { headers });
}

async function readStream(
  url: URL,
  options: SseOptions,
  init: { method?: string; headers: Record<string, string>; body?: string },
): Promise<SseAnswer> {
  const abort = new AbortController();
  const response = await fetch(url, {
    ...init,
    headers: {
      ...init.headers,
      ...options.headers,
      authorization: `Bearer ${options.token ?? "dev-token"}`,
      accept: "text/event-stream",
    },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const answer = () => ({
    status: response.status,
    events,
    contentType: response.headers.get("content-type"),
    headers: response.headers,
  });
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    await response.text();
    return answer();
  }
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const parsed: SseEvent = { event, frame: parseFrame(data), at: performance.now(), ...(id ? { id } : {}) };
        if (parsed.frame.type !== event)
          throw new Error(`an SSE event named ${event} carries a ${parsed.frame.type} frame`);
        events.push(parsed);
        if (options.stopAfter?.(parsed)) {
          abort.abort();
          return answer();
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return answer();
}

/** The body of the stream's final `done` frame; fails if the stream ended any other way. */
export function doneBody(events: SseEvent[]): TurnResponse {
  const last = events.at(-1)?.frame;
  if (last?.type !== "done") throw new Error(`the stream ended with ${JSON.stringify(last)}, not done`);
  return last.body;
}
