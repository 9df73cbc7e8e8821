import type { ServerFrame } from "../../shared/contracts/frames";
import { refusalError } from "./client-frames";
import type { SendOutcome, Submission } from "./conductor";
import type { TurnSink } from "./turn";

/** A streamed turn: SSE bytes, or why it could not start. */
export type StreamOutcome =
  | { status: "streaming"; stream: ReadableStream<Uint8Array> }
  | Exclude<SendOutcome, { status: "completed" | "failed" | "pending" }>;

/** How many SSE chunks may wait for a slow reader before deltas are skipped. */
const SSE_DELTA_BACKLOG = 256;

/**
 * Submits a turn whose frames are written as server-sent events as they happen, ending with
 * `done` (or an error frame). A turn that waits for sub-agents keeps the stream open until
 * its reply, for as long as the object lives.
 */
export function streamTurn(
  submit: (own: TurnSink) => Submission,
  background: (work: Promise<unknown>) => void,
): StreamOutcome {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let open = true;
  const write = (frame: ServerFrame) => {
    // deltas are ephemeral: a reader that falls far behind skips them, never stored messages
    if (!open || (frame.type === "delta" && (writer.desiredSize ?? 0) < -SSE_DELTA_BACKLOG)) return;
    // a client that went away stops receiving; the turn goes on and is stored
    writer
      .write(encoder.encode(`event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`))
      .catch(() => (open = false));
  };
  const submission = submit({ emit: write });
  if (submission.kind === "refused") return { status: "busy" };
  if (submission.kind === "conflict") return { status: "idempotency_conflict" };
  const finished = submission.outcome
    .then((outcome) => {
      if (outcome.status === "completed") return write({ type: "done", body: outcome.response });
      // a retry of a turn that still waits for sub-agents: its frames go to live clients
      if (outcome.status === "pending") return write({ type: "turn", turnId: outcome.turnId, status: "waiting" });
      // a turn that ran has already streamed its own error frame
      if (outcome.status === "failed" && outcome.failure.turnId && submission.kind === "queued") return;
      write({ type: "error", error: refusalError(outcome) });
    })
    .catch(() => write({ type: "error", error: { code: "internal", message: "internal error" } }))
    .finally(() => writer.close().catch(() => undefined));
  background(finished);
  return { status: "streaming", stream: readable };
}
