import type { ServerFrame, TurnStatus } from "../../../shared/contracts/frames";
import type { Message } from "../../../shared/contracts/message";
import type { Failure } from "../../../shared/errors";
import type { NewMessage } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { OutputItem, OutputVerdict, TurnEvent, TurnHooks } from "./hooks";

/** Where a turn's frames go: its recording (which the caller's stream and rejoins read), then the session's live clients. */
export interface TurnSink {
  emit(frame: ServerFrame): void;
}

/** A guardrail blocked the turn's output: what was blocked is neither stored nor sent. */
export class TurnBlocked extends Error {
  override readonly name = "TurnBlocked";

  constructor(readonly failure: Failure & { guardrail: string }) {
    super(failure.message);
  }
}

/**
 * The one way out of a turn. Every piece of output crosses it before it is stored or leaves
 * the object: deltas, tool results, the final answer and summaries pass the output hook
 * (which may replace their text, or block them and with them the turn); stored messages are
 * appended in order and announced; events pass the event hook. What the turn stored is kept
 * for its response.
 */
export class OutputGate {
  /** the turn's messages so far, in seq order */
  readonly messages: Message[] = [];
  private blocked: TurnBlocked | null = null;
  /** text streamed to clients since the turn last stored a message */
  private streamedText = "";
  private streamed = false;

  constructor(
    private readonly turnId: string,
    private readonly storage: SessionStore,
    private readonly sink: TurnSink,
    private readonly hooks: TurnHooks,
    private readonly clientId: string | undefined,
    /** stops the turn's model calls once output is blocked */
    private readonly halt: () => void = () => undefined,
  ) {}

  /** The block that ended the turn, if a guardrail tripped. */
  get tripped(): TurnBlocked | null {
    return this.blocked;
  }

  /** Model text as it is produced; only when someone watches. */
  delta(text: string): void | Promise<void> {
    if (!this.hooks.output) return this.emitDelta(text);
    return this.check({ kind: "delta", text }).then((verdict) => this.pass(text, verdict));
  }

  /** A step's text has ended: text an output hook held back (to see a value whole) is released. */
  endText(): void | Promise<void> {
    if (!this.hooks.output || this.blocked) return;
    return this.check({ kind: "flush" }).then((verdict) => this.pass("", verdict));
  }

  /** Stores an assistant or tool message the turn produced, and announces it; `final`: the turn's answer. */
  async store(message: NewMessage, final = false): Promise<Message> {
    if (this.blocked) throw this.blocked;
    const verdict = await this.check({ kind: "message", message, ...(final ? { final } : {}) });
    if (verdict?.action === "block") throw this.trip(verdict);
    if (verdict?.action !== "replace") return this.append(message);
    // clients that watched the answer stream must drop it: what is stored differs
    if (final && this.streamed && this.streamedText !== verdict.text) this.discard("the answer was revised");
    return this.append({
      ...message,
      content: verdict.text,
      ...(verdict.toolCalls ? { toolCalls: verdict.toolCalls } : {}),
    });
  }

  /** Stores the user's message that starts the turn (input, not output) and announces it. */
  input(message: NewMessage): Message {
    return this.append(message);
  }

  /** The rolling summary, as it may be stored. */
  async summary(text: string): Promise<string> {
    const verdict = await this.check({ kind: "summary", text });
    if (verdict?.action === "block") throw this.trip(verdict);
    return verdict?.action === "replace" ? verdict.text : text;
  }

  /** Messages stored earlier in this turn (before it waited), so its response has them all. */
  resumeWith(earlier: readonly Message[]): void {
    this.messages.push(...earlier);
  }

  /** Reports a turn event to hooks and clients. */
  event(event: TurnEvent): void {
    this.hooks.event?.(event);
    this.sink.emit({ type: "event", turnId: this.turnId, name: event.name, data: event.data });
  }

  /** Reports the turn's status to clients. */
  status(status: TurnStatus): void {
    this.sink.emit({
      type: "turn",
      turnId: this.turnId,
      status,
      ...(this.clientId ? { clientId: this.clientId } : {}),
    });
  }

  /** Reports the turn's failure to clients. */
  error(failure: Failure): void {
    this.sink.emit({ type: "error", error: failure });
  }

  private pass(text: string, verdict: OutputVerdict | undefined): void {
    if (verdict?.action === "block") {
      this.trip(verdict);
      return;
    }
    this.emitDelta(verdict?.action === "replace" ? verdict.text : text);
  }

  private emitDelta(text: string): void {
    if (!text || this.blocked) return;
    this.streamed = true;
    this.streamedText += text;
    this.sink.emit({ type: "delta", turnId: this.turnId, text });
  }

  private trip(verdict: Extract<OutputVerdict, { action: "block" }>): TurnBlocked {
    if (this.blocked) return this.blocked;
    const message = `guardrail '${verdict.guardrail}' blocked the turn: ${verdict.reason}`;
    this.blocked = new TurnBlocked({
      code: "guardrail_tripped",
      message,
      turnId: this.turnId,
      guardrail: verdict.guardrail,
    });
    if (this.streamed) this.discard(message);
    this.halt();
    return this.blocked;
  }

  private discard(reason: string): void {
    this.sink.emit({ type: "discard", turnId: this.turnId, reason });
  }

  private append(message: NewMessage): Message {
    const stored = this.storage.append(message);
    this.messages.push(stored);
    this.streamedText = "";
    this.sink.emit({ type: "message", message: stored });
    return stored;
  }

  private async check(item: OutputItem): Promise<OutputVerdict | undefined> {
    return this.hooks.output ? await this.hooks.output(item) : undefined;
  }
}
