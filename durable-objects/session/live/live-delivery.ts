import type { Connection } from "agents";
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { Message } from "../../../shared/contracts/message";
import type { SessionStore } from "../storage/session-store";
import type { TurnSink } from "../turn/output-gate";

/** Where a connection stands; kept in its hibernation attachment. */
export interface LiveState {
  /** highest seq delivered on this connection (or covered by its `ready`) */
  cursor: number;
  /** lastSeq announced in `ready` */
  readySeq: number;
  /** live messages wait until the client resumes or the hold expires, so a resume comes first */
  held: boolean;
  connectedAt: number;
}

/** How long a new connection waits for a `resume` before live delivery starts. */
export const HOLD_MS = 2_000;
const REPLAY_PAGE = 500;

type LiveConnection = Connection<LiveState>;

/**
 * Delivers a session's stored messages to its WebSocket clients: each exactly once and in
 * seq order, whether live, replayed after `resume`, or caught up after a hold.
 */
export class LiveDelivery {
  constructor(
    private readonly store: SessionStore,
    private readonly connections: () => Iterable<LiveConnection>,
  ) {}

  /** Frames for the live clients, as a turn emits them; most turns have none, and skip the SDK's bookkeeping. */
  sink(connected: () => boolean): TurnSink {
    return {
      emit: (frame) => {
        if (!connected()) return;
        if (frame.type === "message") this.message(frame.message);
        else this.broadcast(frame);
      },
    };
  }

  /** Greets a new connection; with `after` it replays at once, else it is held briefly for a resume. */
  open(connection: LiveConnection, sessionId: string, requested: number | null): void {
    const lastSeq = this.store.meta()?.lastSeq ?? 0;
    // a cursor from the future (a stale client, a recreated session) would silence the socket
    const after = requested === null ? null : Math.min(requested, lastSeq);
    connection.setState({ cursor: lastSeq, readySeq: lastSeq, held: after === null, connectedAt: Date.now() });
    send(connection, { type: "ready", sessionId, lastSeq });
    if (after !== null) this.replay(connection, after, lastSeq);
    else setTimeout(() => this.release(connection), HOLD_MS);
  }

  /**
   * Replays what the client missed after `after`, then goes live. A resume that comes after
   * live delivery began could only be served out of order, so it is refused instead.
   */
  resume(connection: LiveConnection, after: number): boolean {
    const state = connection.state;
    if (!state) return false;
    const lastSeq = this.store.meta()?.lastSeq ?? 0;
    if (state.held) {
      connection.setState({ ...state, held: false });
      this.replay(connection, Math.min(after, lastSeq), lastSeq);
      return true;
    }
    return after >= state.readySeq;
  }

  /** Sends a stored message to every live connection that has not had it. */
  message(message: Message): void {
    for (const connection of this.connections()) {
      const state = connection.state;
      if (!state) continue;
      if (state.held) {
        if (Date.now() - state.connectedAt >= HOLD_MS) this.release(connection);
        continue;
      }
      if (message.seq <= state.cursor) continue;
      if (send(connection, { type: "message", message })) connection.setState({ ...state, cursor: message.seq });
    }
  }

  /** Sends an ephemeral frame (delta, turn status, error) to every live connection. */
  broadcast(frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const connection of this.connections()) {
      if (connection.state && !connection.state.held) trySend(connection, text);
    }
  }

  /** Ends a hold: catches up on what was stored meanwhile, then live. Any client frame but resume does this. */
  release(connection: LiveConnection): void {
    const state = connection.state;
    if (!state?.held) return;
    connection.setState({ ...state, held: false });
    this.replay(connection, state.cursor, this.store.meta()?.lastSeq ?? 0);
  }

  /** Sends stored messages after `after` up to `through`, in pages. */
  private replay(connection: LiveConnection, after: number, through: number): void {
    let from = after;
    while (from < through) {
      const page = this.store.list(from, REPLAY_PAGE);
      for (const message of page.messages) {
        if (message.seq > through) break;
        if (!send(connection, { type: "message", message })) return;
        from = message.seq;
      }
      if (!page.hasMore || page.messages.length === 0) break;
    }
    const state = connection.state;
    if (state) connection.setState({ ...state, cursor: Math.max(from, state.cursor) });
  }
}

/** Frames for a session's live clients; most turns have none, and skip the SDK's bookkeeping. */
export function liveSink(live: LiveDelivery, connected: () => number): TurnSink {
  return {
    emit: (frame) => {
      if (connected() === 0) return;
      if (frame.type === "message") live.message(frame.message);
      else live.broadcast(frame);
    },
  };
}

/** Sends one frame; a socket that is closing is skipped, not an error. */
export function send(connection: WebSocket, frame: ServerFrame): boolean {
  return trySend(connection, JSON.stringify(frame));
}

function trySend(connection: WebSocket, text: string): boolean {
  try {
    connection.send(text);
    return true;
  } catch {
    return false;
  }
}
