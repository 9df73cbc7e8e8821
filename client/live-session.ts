import { type ClientFrame, PING_FRAME, type ServerFrame, serverFrameSchema } from "../shared/contracts/frames";
import type { Message } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import { EdgentApiError } from "./errors";

/** Where a live session's connection stands. */
export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";

/** How a live session behaves. */
export interface LiveSessionOptions {
  /**
   * The last seq the app already has: stored messages after it are delivered first, then
   * live ones. Omitted: from the session's end now (no replay).
   */
  after?: number;
  /** how often to ping when the connection is quiet (default 15 s; 0: never) */
  heartbeatMs?: number;
  /** how long to wait for the pong before the connection is taken for dead (default 5 s) */
  pongTimeoutMs?: number;
  /** first wait before reconnecting, doubled each failed attempt (default 250 ms) */
  reconnectDelayMs?: number;
  /** longest wait between attempts (default 10 s) */
  maxReconnectDelayMs?: number;
}

/** What a live session needs of its client. */
export interface LiveSessionWiring extends LiveSessionOptions {
  sessionId: string;
  url(ticket: string, after: number | null): URL;
  ticket(): Promise<string>;
  WebSocket: typeof WebSocket;
}

type Listener<T> = (value: T) => void;

/**
 * A session's WebSocket that stays connected: it reconnects with backoff when the connection
 * drops (or stops answering heartbeats) and resumes from the last seq it delivered, so the
 * app sees every stored message once, in seq order, with no gaps and no duplicates. Frames
 * are checked against the server's zod contract.
 */
export class LiveSession {
  readonly sessionId: string;
  /** the highest seq delivered to the app; null until the first connection says where the session is */
  lastSeq: number | null;
  status: LiveStatus = "connecting";
  /** how many times the connection was established again after the first */
  reconnects = 0;

  private readonly wiring: LiveSessionWiring;
  private socket: WebSocket | null = null;
  private readonly frameListeners = new Set<Listener<ServerFrame>>();
  private readonly statusListeners = new Set<Listener<LiveStatus>>();
  private readonly errorListeners = new Set<Listener<Error>>();
  private readonly outbox: string[] = [];
  private attempts = 0;
  private opened = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private clientIds = 0;

  constructor(wiring: LiveSessionWiring) {
    this.wiring = wiring;
    this.sessionId = wiring.sessionId;
    this.lastSeq = wiring.after ?? null;
    void this.open();
  }

  /** Calls `listener` with every frame delivered from now on; returns a function that stops it. */
  on(listener: Listener<ServerFrame>): () => void {
    this.frameListeners.add(listener);
    return () => void this.frameListeners.delete(listener);
  }

  /** Calls `listener` when the connection's status changes. */
  onStatus(listener: Listener<LiveStatus>): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  /** Calls `listener` with problems the session works around (a bad frame, a failed attempt). */
  onError(listener: Listener<Error>): () => void {
    this.errorListeners.add(listener);
    return () => void this.errorListeners.delete(listener);
  }

  /** The frames delivered from now on, until the session is closed. */
  async *frames(): AsyncGenerator<ServerFrame> {
    const queue: ServerFrame[] = [];
    let wake: (() => void) | undefined;
    const offFrames = this.on((frame) => {
      queue.push(frame);
      wake?.();
    });
    const offStatus = this.onStatus(() => wake?.());
    try {
      for (;;) {
        const next = queue.shift();
        if (next) yield next;
        else if (this.status === "closed") return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      offFrames();
      offStatus();
    }
  }

  /** Resolves once the connection is open (now, if it is). */
  ready(): Promise<void> {
    if (this.status === "open") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.onStatus((status) => {
        if (status === "open") resolve();
        else if (status === "closed") reject(new Error("the live session was closed"));
        else return;
        off();
      });
    });
  }

  /**
   * Sends a message that runs a turn; returns its `clientId`, which the turn's `turn` frames
   * echo. Sent when the connection is open (queued until then); a message in flight when a
   * connection drops may or may not have arrived: history says which.
   */
  send(content: string, options: { clientId?: string; onBusy?: OnBusy } = {}): string {
    const clientId = options.clientId ?? `c-${Date.now().toString(36)}-${++this.clientIds}`;
    this.post({ type: "message", content, clientId, ...(options.onBusy ? { onBusy: options.onBusy } : {}) });
    return clientId;
  }

  /** Cancels a running turn. */
  cancel(turnId: string): void {
    this.post({ type: "cancel", turnId });
  }

  /** Closes the connection for good. */
  close(): void {
    if (this.status === "closed") return;
    stop(this.retry);
    const socket = this.socket;
    this.detach();
    socket?.close(1000, "closed by the client");
    this.setStatus("closed");
  }

  private post(frame: ClientFrame): void {
    const text = JSON.stringify(frame);
    if (this.status === "open" && this.socket) this.socket.send(text);
    else this.outbox.push(text);
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private report(error: Error): void {
    for (const listener of this.errorListeners) listener(error);
  }

  private async open(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.wiring.ticket();
    } catch (error) {
      // no such session (or not this tenant's): retrying cannot help
      if (error instanceof EdgentApiError && error.status === 404) return this.fail(error);
      this.report(error instanceof Error ? error : new Error(String(error)));
      return this.reconnect();
    }
    if (this.status === "closed") return;
    const socket = new this.wiring.WebSocket(this.wiring.url(ticket, this.lastSeq).href);
    this.socket = socket;
    socket.addEventListener("message", this.onMessage);
    socket.addEventListener("close", this.onClose);
  }

  private readonly onMessage = (event: MessageEvent) => this.receive(event.data);
  private readonly onClose = (event: CloseEvent) => {
    if (this.socket && event.target === this.socket) this.dropped(this.socket, event.code, event.reason);
  };

  private receive(data: unknown): void {
    this.alive();
    let frame: ServerFrame;
    try {
      frame = serverFrameSchema.parse(JSON.parse(String(data)));
    } catch (error) {
      this.report(new Error(`a frame that breaks the contract: ${String(error)}`));
      return;
    }
    this.handle(frame);
  }

  private handle(frame: ServerFrame): void {
    if (frame.type === "ready") this.greeted(frame);
    else if (frame.type === "message") this.message(frame.message);
    else if (frame.type !== "pong") this.deliver(frame);
  }

  private greeted(frame: Extract<ServerFrame, { type: "ready" }>): void {
    const socket = this.socket;
    if (!socket) return;
    // from the session's end: live from here
    if (this.lastSeq === null) this.lastSeq = frame.lastSeq;
    else if (frame.lastSeq < this.lastSeq) {
      // the session was erased and made again: its seqs start over
      this.lastSeq = frame.lastSeq;
    }
    if (this.opened) this.reconnects++;
    this.opened = true;
    this.attempts = 0;
    this.setStatus("open");
    for (const text of this.outbox.splice(0)) socket.send(text);
    this.startHeartbeat(socket);
    this.deliver(frame);
  }

  private message(message: Message): void {
    const last = this.lastSeq ?? 0;
    if (message.seq <= last) return;
    if (message.seq > last + 1) {
      // never expected of the server; connecting again with ?after= replays what is missing
      this.report(new Error(`message ${message.seq} came after ${last}: reconnecting to fill the gap`));
      this.abandon();
      return;
    }
    this.lastSeq = message.seq;
    this.deliver({ type: "message", message });
  }

  private deliver(frame: ServerFrame): void {
    for (const listener of this.frameListeners) listener(frame);
  }

  private startHeartbeat(socket: WebSocket): void {
    const every = this.wiring.heartbeatMs ?? 15_000;
    stopInterval(this.heartbeat);
    if (every <= 0) return;
    this.heartbeat = setInterval(() => {
      if (this.socket !== socket || this.pongDeadline !== undefined) return;
      socket.send(PING_FRAME);
      this.pongDeadline = setTimeout(() => {
        this.report(new Error("no pong: the connection is taken for dead"));
        this.abandon();
      }, this.wiring.pongTimeoutMs ?? 5_000);
    }, every);
  }

  /** Anything from the server shows the connection lives. */
  private alive(): void {
    stop(this.pongDeadline);
    this.pongDeadline = undefined;
  }

  /** Stops listening to the current socket. */
  private detach(): WebSocket | null {
    const socket = this.socket;
    stopInterval(this.heartbeat);
    this.alive();
    this.socket = null;
    socket?.removeEventListener("message", this.onMessage);
    socket?.removeEventListener("close", this.onClose);
    return socket;
  }

  /** Gives up on a connection that does not answer (its close may never come) and connects again. */
  private abandon(): void {
    const socket = this.detach();
    try {
      socket?.close(4000, "heartbeat timeout");
    } catch {
      // closing a broken socket can throw; it is dropped either way
    }
    this.reconnect();
  }

  private dropped(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.detach();
    // the session was erased: there is nothing to come back to
    if (code === 1000 && reason === "session deleted") this.fail(new Error("the session was deleted"));
    else this.reconnect();
  }

  private reconnect(): void {
    if (this.status === "closed") return;
    this.setStatus("reconnecting");
    const base = this.wiring.reconnectDelayMs ?? 250;
    const delay = Math.min(this.wiring.maxReconnectDelayMs ?? 10_000, base * 2 ** this.attempts++);
    // jitter, so that clients dropped together do not all come back together
    this.retry = setTimeout(() => void this.open(), delay * (0.5 + Math.random() / 2));
  }

  private fail(error: Error): void {
    this.report(error);
    this.close();
  }
}

// timer ids differ between runtimes (a number in browsers and Workers, an object in Node)
function stop(timer: ReturnType<typeof setTimeout> | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}

function stopInterval(timer: ReturnType<typeof setInterval> | undefined): void {
  if (timer !== undefined) clearInterval(timer);
}
