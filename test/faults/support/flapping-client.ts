import WebSocket from "ws";
import { type ServerFrame, serverFrameSchema } from "../../../shared/contracts/frames";
import type { Message } from "../../../shared/contracts/message";
import { pick } from "./seeded.ts";

/** What a flapping client saw over all its connections. */
export interface FlapStats {
  connections: number;
  /** connections that asked for the gap with ?after= */
  viaAfter: number;
  /** connections that asked for it with a resume frame after ready, and how those went */
  viaResume: number;
  resumesRefused: number;
  /** stored messages received again, or after a gap, on a connection that asked with ?after= (must be 0) */
  duplicates: number;
  gaps: number;
  /** live assistant messages whose streamed preview was checked against them, and those that differed (must be 0) */
  previewsChecked: number;
  previewMismatches: string[];
  /** deltas, and live assistant messages, of a turn no `turn` frame had introduced on their connection (must be 0) */
  orphanDeltas: number;
  unintroduced: number;
  /** catch-ups seen: deltas carrying several words of a word-by-word stream (joined mid-step) */
  catchUps: number;
}

interface Connection {
  socket: WebSocket;
  mode: "after" | "resume";
  /** lastSeq of its ready frame: messages after it were delivered live */
  readySeq: number | null;
  /** each turn's text streamed since its last `turn` or stored message, on this connection */
  previews: Map<string, string>;
  resumed: boolean;
}

/**
 * A WebSocket client of a session that drops its connection at random moments (abruptly or
 * cleanly) and comes back, resuming with `?after=` or a `resume` frame (reconnecting with
 * `?after=` if that is refused). It keeps the stored messages it has, in seq order, the way a
 * chat client would, and checks what the server sends against the protocol's promises.
 */
export class FlappingClient {
  readonly accepted: Message[] = [];
  readonly stats: FlapStats = {
    connections: 0,
    viaAfter: 0,
    viaResume: 0,
    resumesRefused: 0,
    duplicates: 0,
    gaps: 0,
    previewsChecked: 0,
    previewMismatches: [],
    orphanDeltas: 0,
    unintroduced: 0,
    catchUps: 0,
  };
  private current: Connection | null = null;
  private flapping = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly base: URL,
    private readonly sessionId: string,
    private readonly random: () => number,
  ) {}

  private get lastSeq(): number {
    return this.accepted.at(-1)?.seq ?? 0;
  }

  /** Connects and keeps dropping and coming back until `settle`. */
  start(): void {
    this.connect(pick(this.random, ["after", "after", "resume"] as const));
  }

  /** Stops dropping: connects (with ?after=) if it is away, and waits until it has `count` messages. */
  async settle(count: number, timeoutMs = 30_000): Promise<void> {
    this.flapping = false;
    clearTimeout(this.timer);
    if (!this.current) this.connect("after");
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`client of ${this.sessionId} has ${this.accepted.length} of ${count} messages`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.flapping = false;
    clearTimeout(this.timer);
    this.current?.socket.close(1000);
  }

  private connect(mode: "after" | "resume"): void {
    const url = new URL(`/v1/sessions/${this.sessionId}/ws`, this.base);
    url.protocol = "ws:";
    if (mode === "after") url.searchParams.set("after", String(this.lastSeq));
    const socket = new WebSocket(url, { headers: { authorization: "Bearer dev-token" } });
    const connection: Connection = { socket, mode, readySeq: null, previews: new Map(), resumed: false };
    this.current = connection;
    this.stats.connections++;
    if (mode === "after") this.stats.viaAfter++;
    else this.stats.viaResume++;
    socket.on("message", (data) => this.receive(connection, serverFrameSchema.parse(JSON.parse(String(data)))));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      // a connection given up for another one is not mourned
      if (this.current !== connection) return;
      this.current = null;
      // away for a moment, then back
      if (this.flapping) this.timer = setTimeout(() => this.start(), Math.floor(this.random() * 300));
      else this.connect("after");
    });
    if (this.flapping) {
      this.timer = setTimeout(() => this.drop(connection), 50 + Math.floor(this.random() * 550));
    }
  }

  private drop(connection: Connection): void {
    if (this.current !== connection) return;
    if (this.random() < 0.5) connection.socket.terminate();
    else connection.socket.close(1000);
  }

  private receive(connection: Connection, frame: ServerFrame): void {
    if (this.current !== connection) return;
    switch (frame.type) {
      case "ready":
        connection.readySeq = frame.lastSeq;
        if (connection.mode === "resume") {
          connection.socket.send(JSON.stringify({ type: "resume", after: this.lastSeq }));
        }
        break;
      case "error":
        if (frame.error.code === "resume_too_late") {
          // the gap can no longer come in order on this connection: come back asking with ?after=
          this.stats.resumesRefused++;
          this.current = null;
          connection.socket.terminate();
          this.connect("after");
        }
        break;
      case "turn":
        connection.previews.set(frame.turnId, "");
        break;
      case "delta": {
        // the builtin model streams `/slow` replies a word at a time: several words at once are a catch-up
        if ((frame.text.match(/s\d+t\d+w\d+/g) ?? []).length > 1) this.stats.catchUps++;
        const preview = connection.previews.get(frame.turnId);
        if (preview === undefined) this.stats.orphanDeltas++;
        else connection.previews.set(frame.turnId, preview + frame.text);
        break;
      }
      case "message":
        this.message(connection, frame.message);
        break;
      default:
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  private message(connection: Connection, message: Message): void {
    const live = message.seq > (connection.readySeq ?? Number.MAX_SAFE_INTEGER);
    const preview = connection.previews.get(message.turnId);
    if (live && message.role === "assistant" && preview === undefined) this.stats.unintroduced++;
    if (live && message.role === "assistant" && preview !== undefined) {
      this.stats.previewsChecked++;
      if (preview !== message.content) {
        this.stats.previewMismatches.push(
          `seq ${message.seq}: streamed ${JSON.stringify(preview)}, stored ${JSON.stringify(message.content)}`,
        );
      }
    }
    // a stored message ends its step's preview
    if (preview !== undefined) connection.previews.set(message.turnId, "");
    if (message.seq === this.lastSeq + 1) {
      this.accepted.push(message);
      return;
    }
    // a connection that asked with a resume frame may have had a live message before it was refused
    if (connection.mode === "resume") return;
    if (message.seq <= this.lastSeq) this.stats.duplicates++;
    else this.stats.gaps++;
  }
}
