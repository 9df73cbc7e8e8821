import WebSocket from "ws";
import type { ServerFrame } from "../../shared/contracts/frames";
import type { WireMessage } from "./client.ts";

/** How a test client authenticates its upgrade. */
export interface LiveAuth {
  token?: string;
  ticket?: string;
  after?: number;
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

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
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
    if (auth.ticket) url.searchParams.set("ticket", auth.ticket);
    if (auth.after !== undefined) url.searchParams.set("after", String(auth.after));
    const socket = new WebSocket(url, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
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

  /** Resolves with the first recorded frame (past or future) that matches, or fails after a timeout. */
  async waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
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
  messages(): WireMessage[] {
    return this.frames.flatMap((frame) => (frame.type === "message" ? [frame.message as WireMessage] : []));
  }

  /** Waits until a turn reaches a final status. */
  turnEnded(turnId?: string): Promise<ServerFrame> {
    return this.waitFor(
      (f) =>
        f.type === "turn" &&
        f.status !== "started" &&
        f.status !== "waiting" &&
        (turnId === undefined || f.turnId === turnId),
    );
  }

  close(): void {
    this.socket.close(1000);
  }
}

/** One server-sent event as received, with when it arrived. */
export interface SseEvent {
  event: string;
  frame: ServerFrame;
  at: number;
}

/** Posts a message asking for SSE and reads events as they arrive; `stopAfter` disconnects early. */
export async function streamTurn(
  base: URL,
  sessionId: string,
  body: unknown,
  options: { token?: string; stopAfter?: (event: SseEvent) => boolean } = {},
): Promise<{ status: number; events: SseEvent[]; contentType: string | null }> {
  const abort = new AbortController();
  const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, base), {
    method: "POST",
    headers: {
      authorization: `Bearer ${options.token ?? "dev-token"}`,
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    await response.text();
    return { status: response.status, events, contentType: response.headers.get("content-type") };
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
        const parsed = { event, frame: JSON.parse(data) as ServerFrame, at: performance.now() };
        events.push(parsed);
        if (options.stopAfter?.(parsed)) {
          abort.abort();
          return { status: response.status, events, contentType: response.headers.get("content-type") };
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return { status: response.status, events, contentType: response.headers.get("content-type") };
}
