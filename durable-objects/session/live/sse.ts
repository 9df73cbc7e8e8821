import type { ServerFrame } from "../../../shared/contracts/frames";
import { refusalFailure } from "../../../shared/errors";
import { edgentEncoder, type FrameEncoder } from "../../../shared/protocols/frame-encoder";
import type { StreamOutcome } from "../../rpc";
import type { Submission } from "../ordering/conductor";
import type { TurnSink } from "../turn/output-gate";

/** How many SSE chunks may wait for a slow reader before deltas are skipped. */
const SSE_DELTA_BACKLOG = 256;

/** Also receives every frame a stream writes, and hears when it ends (a rejoinable recording). */
export interface FrameTee extends TurnSink {
  end(): void;
}

/** The wire format of a streamed turn, and who else hears its frames. */
export interface StreamOptions {
  /** Edgent's own SSE unless given */
  encoder?: FrameEncoder;
  tee?: FrameTee;
}

/**
 * Submits a turn whose frames are written as server-sent events as they happen, ending with
 * `done` (or an error frame). A turn that waits for sub-agents keeps the stream open until
 * its reply, for as long as the object lives; one that pauses for a person's approval ends
 * the stream with its `awaiting_approval` turn frame (a decision continues the turn).
 */
export function streamTurn(
  sessionId: string,
  submit: (own: TurnSink) => Submission,
  background: (work: Promise<unknown>) => void,
  options: StreamOptions = {},
): StreamOutcome {
  const { encoder = edgentEncoder(), tee } = options;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const bytes = new TextEncoder();
  let open = true;
  const send = (text: string) => {
    // a client that went away stops receiving; the turn goes on and is stored
    if (text) writer.write(bytes.encode(text)).catch(() => (open = false));
  };
  const write = (frame: ServerFrame) => {
    tee?.emit(frame);
    // deltas are ephemeral: a reader that falls far behind skips them, never stored messages
    if (!open) return;
    if (frame.type === "delta" && encoder.skipsDeltas && (writer.desiredSize ?? 0) < -SSE_DELTA_BACKLOG) return;
    send(encoder.encode(frame));
  };
  const submission = submit({ emit: write });
  if (submission.kind === "refused") return { status: "busy" };
  if (submission.kind === "conflict") return { status: "idempotency_conflict" };
  const paused = submission.paused ?? new Promise<never>(() => undefined);
  const finished = Promise.race([submission.outcome, paused])
    .then((outcome) => {
      switch (outcome.status) {
        case "completed":
          return write({ type: "done", body: outcome.response });
        case "waiting":
          // a retry of a turn that still waits for sub-agents: its frames go to live clients
          return write({ type: "turn", turnId: outcome.turnId, status: "waiting" });
        case "awaiting_approval":
          // the turn streamed its approval request and pause; a replay has not
          if (submission.kind === "queued") return;
          return write({ type: "turn", turnId: outcome.turnId, status: "awaiting_approval" });
        case "failed":
          // a turn that ran has already streamed its own error frame; a replayed failure has not
          if (outcome.failure.turnId && submission.kind === "queued") return;
          return write({ type: "error", error: outcome.failure });
        default:
          return write({ type: "error", error: refusalFailure(outcome.status, sessionId) });
      }
    })
    .catch(() => write({ type: "error", error: { code: "internal", message: "internal error" } }))
    .finally(() => {
      tee?.end();
      if (open) send(encoder.end());
      return writer.close().catch(() => undefined);
    });
  background(finished);
  return { status: "streaming", stream: readable };
}
