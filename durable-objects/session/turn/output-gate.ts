import type { ServerFrame, TurnStatus } from "../../../shared/contracts/frames";
import type { Message } from "../../../shared/contracts/message";
import type { Failure } from "../../../shared/errors";
import type { NewMessage } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { OutputItem, OutputVerdict, TurnEvent, TurnHooks } from "./hooks";

/** Where a turn's frames go: the session's live clients, and the caller's own stream if any. */
export interface TurnSink {
  emit(frame: ServerFrame): void;
}

/**
 * The one way out of a turn. Every piece of output crosses it before it is stored or leaves
 * the object: deltas, tool results, the final answer and summaries pass the output hook
 * (which may replace their text); stored messages are appended in order and announced;
 * events pass the event hook. What the turn stored is kept for its response.
 */
export class OutputGate {
  /** the turn's messages so far, in seq order */
  readonly messages: Message[] = [];

  constructor(
    private readonly turnId: string,
    private readonly storage: SessionStore,
    private readonly sink: TurnSink,
    private readonly hooks: TurnHooks,
    private readonly clientId: string | undefined,
  ) {}

  /** Model text as it is produced; only when someone watches. */
  delta(text: string): void | Promise<void> {
    if (!this.hooks.output) return this.sink.emit({ type: "delta", turnId: this.turnId, text });
    return this.check({ kind: "delta", text }).then((verdict) => {
      const passed = verdict?.action === "replace" ? verdict.text : text;
      if (passed) this.sink.emit({ type: "delta", turnId: this.turnId, text: passed });
    });
  }

  /** Stores an assistant or tool message the turn produced, and announces it. */
  async store(message: NewMessage): Promise<Message> {
    const verdict = await this.check({ kind: "message", message });
    return this.append(verdict?.action === "replace" ? { ...message, content: verdict.text } : message);
  }

  /** Stores the user's message that starts the turn (input, not output) and announces it. */
  input(message: NewMessage): Message {
    return this.append(message);
  }

  /** The rolling summary, as it may be stored. */
  async summary(text: string): Promise<string> {
    const verdict = await this.check({ kind: "summary", text });
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

  private append(message: NewMessage): Message {
    const stored = this.storage.append(message);
    this.messages.push(stored);
    this.sink.emit({ type: "message", message: stored });
    return stored;
  }

  private async check(item: OutputItem): Promise<OutputVerdict | undefined> {
    return this.hooks.output ? await this.hooks.output(item) : undefined;
  }
}
