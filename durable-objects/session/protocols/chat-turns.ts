import type { FrameEncoder } from "../../../shared/protocols/frame-encoder";
import { OpenAiChunkEncoder } from "../../../shared/protocols/openai-stream";
import { UiMessageEncoder } from "../../../shared/protocols/ui-message-stream";
import type { ChatOutcome, ChatStreamOutcome, ChatTurnInput, RejoinOutcome, StreamFormat } from "../../rpc";
import { streamTurn } from "../live/sse";
import { readRecording, type TurnStreams } from "../live/turn-streams";
import type { TurnConductor } from "../ordering/conductor";
import { IDEMPOTENCY_TTL_MS } from "../ordering/idempotency";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";

/** The turn id the messages of a seeded transcript carry: no turn ran for them. */
export const TRANSCRIPT_TURN_ID = "transcript";

/**
 * A short-lived session is erased by the router after its turn; this is when it erases itself
 * should that not happen (the client left mid-stream). One that a request with an
 * Idempotency-Key made lives as long as the key, so a retry gets the original's answer.
 */
const SHORT_LIVED_MS = 60 * 60 * 1000;

/** What chat turns need of their session object. */
export interface ChatTurnsOptions {
  store: SessionStore;
  conductor: TurnConductor;
  /** the turns' recorded streams */
  streams: TurnStreams;
  /** erases a short-lived session at this time, should the router's erase not come first */
  scheduleErase(at: Date): Promise<unknown>;
  background(work: Promise<unknown>): void;
}

/**
 * The object's side of the protocol adapters (OpenAI-compatible chat, the UI message stream):
 * the session a request names, created with its agent on first use, or a short-lived one
 * seeded with the transcript the request carries; then one turn, through the same conductor
 * as every other turn, waited for to the end or streamed in the protocol's format.
 */
export class ChatTurns {
  /** the latest turn streamed as a UI message stream, which `useChat`'s resume rejoins */
  private latestUi: string | null = null;

  constructor(private readonly options: ChatTurnsOptions) {}

  /**
   * The running chat turn's UI message stream from its start, to rejoin it; idle when none runs
   * (or what is held of it lacks its start: a UI message cannot be rebuilt from its middle).
   */
  rejoin(): RejoinOutcome {
    const recording = this.latestUi ? this.options.streams.get(this.latestUi) : undefined;
    if (!recording || recording.ended || recording.truncated) return { status: "idle" };
    const { stream, ended } = readRecording(recording, 0, new UiMessageEncoder());
    this.options.background(ended);
    return { status: "streaming", stream };
  }

  /** Runs the turn and waits for its final outcome. */
  async run(input: ChatTurnInput): Promise<ChatOutcome> {
    const ready = await this.prepare(input);
    if ("status" in ready) return ready;
    return this.options.conductor.submit(ready.meta, input).outcome;
  }

  /** Runs the turn, streamed in `format`; a UI message stream's turn is the one its resume rejoins. */
  async stream(input: ChatTurnInput, format: StreamFormat): Promise<ChatStreamOutcome> {
    const ready = await this.prepare(input);
    if ("status" in ready) return ready;
    const { conductor, background, streams } = this.options;
    const submission = conductor.submit(ready.meta, input, true);
    if (format.kind === "ui" && submission.kind === "queued" && submission.turnId) this.latestUi = submission.turnId;
    return streamTurn(ready.meta.sessionId, submission, streams, background, encoderFor(format));
  }

  /** The session the request names, or a new one; what is wrong if neither. */
  private async prepare(
    input: ChatTurnInput,
  ): Promise<{ meta: SessionMeta } | { status: "not_found" } | { status: "agent_mismatch"; agent: string }> {
    const { store } = this.options;
    const meta = store.meta();
    if (meta) {
      if (meta.tenant !== input.tenant || meta.sessionId !== input.sessionId) return { status: "not_found" };
      if (input.agent && meta.agent !== input.agent) return { status: "agent_mismatch", agent: meta.agent };
      // a retry of a short-lived session's request (same Idempotency-Key) finds it seeded already
      return { meta };
    }
    if (!input.agent) return { status: "not_found" };
    store.create(input.tenant, input.sessionId, input.agent, new Date().toISOString(), "enqueue");
    if (input.transcript) {
      // history the client carries: stored as it is, no model turn runs for it
      for (const entry of input.transcript) store.append({ turnId: TRANSCRIPT_TURN_ID, ...entry });
      const keepMs = input.idempotency ? IDEMPOTENCY_TTL_MS : SHORT_LIVED_MS;
      await this.options.scheduleErase(new Date(Date.now() + keepMs));
    }
    const created = store.meta();
    return created ? { meta: created } : { status: "not_found" };
  }
}

function encoderFor(format: StreamFormat): FrameEncoder {
  if (format.kind === "ui") return new UiMessageEncoder();
  const { model, created, includeUsage, sessionId } = format;
  return new OpenAiChunkEncoder({ model, created, ...(sessionId ? { sessionId } : {}) }, includeUsage);
}
