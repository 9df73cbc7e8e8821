import type { Connection } from "agents";
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { Message } from "../../../shared/contracts/message";
import type { SessionStore } from "../storage/session-store";
import type { TurnSink } from "../turn/output-gate";

/** Where a connection stands; kept in its hibernation attachment. */
export interface LiveState {
  /** highest seq delivered on this connection (or covered by its `ready`) */
  cursor: number;
  /** every stored message after this one, up to `cursor`, was delivered (or announced by `ready`) */
  floor: number;
}

const REPLAY_PAGE = 500;

type LiveConnection = Connection<LiveState>;

/**
 * Delivers a session's stored messages to its WebSocket clients, each exactly once and in seq
 * order, whether replayed or live, and the turns' ephemeral frames (deltas, statuses, events)
 * from the moment a client is greeted: a client connecting mid-turn is caught up on the step in
 * flight first.
 */
export class LiveDelivery {
  constructor(
    private readonly store: SessionStore,
    private readonly connections: () => Iterable<LiveConnection>,
    /** the frames that show the turns under way to a client connecting now */
    private readonly underWay: () => ServerFrame[] = () => [],
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

  /**
   * Greets a new connection, live from its `ready`: with `after`, the messages it missed come
   * first; then what the turns under way have streamed since their last stored message.
   */
  open(connection: LiveConnection, sessionId: string, requested: number | null): void {
    const lastSeq = this.store.meta()?.lastSeq ?? 0;
    // a cursor from the future (a stale client, a recreated session) would silence the socket
    const after = requested === null ? lastSeq : Math.min(requested, lastSeq);
    connection.setState({ cursor: lastSeq, floor: after });
    send(connection, { type: "ready", sessionId, lastSeq });
    this.replay(connection, after, lastSeq);
    this.catchUp(connection);
  }

  /**
   * Replays what the client missed after `after`, in order, while the connection has delivered
   * no stored message yet (or asks for nothing it has not had); false when it is too late for that.
   */
  resume(connection: LiveConnection, after: number): boolean {
    const state = connection.state;
    if (!state) return false;
    const from = Math.min(after, this.store.meta()?.lastSeq ?? 0);
    if (from >= state.floor) return true;
    if (state.cursor > state.floor) return false;
    connection.setState({ ...state, floor: from });
    if (this.replay(connection, from, state.floor) > 0) this.catchUp(connection);
    return true;
  }

  /** Sends a stored message to every connection that has not had it. */
  message(message: Message): void {
    for (const connection of this.connections()) {
      const state = connection.state;
      if (!state || message.seq <= state.cursor) continue;
      if (send(connection, { type: "message", message })) connection.setState({ ...state, cursor: message.seq });
    }
  }

  /** Sends an ephemeral frame (delta, turn status, error) to every greeted connection. */
  broadcast(frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const connection of this.connections()) {
      if (connection.state) trySend(connection, text);
    }
  }

  /** The turns under way as they stand (their stored messages come by seq): a client shows them afresh from here. */
  private catchUp(connection: LiveConnection): void {
    for (const frame of this.underWay()) if (!send(connection, frame)) return;
  }

  /** Sends stored messages after `after` up to `through`, in pages; returns how many. */
  private replay(connection: LiveConnection, after: number, through: number): number {
    let from = after;
    let sent = 0;
    while (from < through) {
      const page = this.store.list(from, REPLAY_PAGE);
      for (const message of page.messages) {
        if (message.seq > through) break;
        if (!send(connection, { type: "message", message })) return sent;
        from = message.seq;
        sent++;
      }
      if (!page.hasMore || page.messages.length === 0) break;
    }
    return sent;
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
