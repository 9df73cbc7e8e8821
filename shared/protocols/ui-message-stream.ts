import type { FrameError, ServerFrame } from "../contracts/frames";
import type { Message, TurnResponse } from "../contracts/message";
import type { UiChunk, UiMessageMetadata } from "../contracts/ui-chat";
import { type FrameEncoder, sseData } from "./frame-encoder";

/**
 * Maps one turn's frames to the AI SDK's UI message stream (what `useChat` reads): `start`
 * with the turn id as message id, a step per model step (`start-step`/`finish-step`), text
 * parts from deltas (checked against the stored message: a held-back answer an escalation set
 * aside, or text an output hook replaced, is withdrawn with `reset-step`), tool input and
 * output parts for server-run tools, turn events as `data-<name>` parts, then `finish` with the
 * turn's metadata, or `error`. Stored messages the stream has not shown (a replayed turn) are
 * caught up from the final body.
 */
export class UiMessageEncoder implements FrameEncoder {
  readonly skipsDeltas = false;
  private started = false;
  private finished = false;
  private stepOpen = false;
  private stepHasTools = false;
  private readonly pendingTools = new Set<string>();
  private text: { id: string; sent: string } | null = null;
  private parts = 0;
  /** highest seq shown */
  private seen = 0;
  private cancelled = false;

  encode(frame: ServerFrame): string {
    switch (frame.type) {
      case "message":
        return this.message(frame.message);
      case "delta":
        return this.start(frame.turnId) + this.delta(frame.text);
      case "event":
        return this.start(frame.turnId) + this.event(frame.name, frame.data);
      case "turn":
        return frame.status === "started" ? this.start(frame.turnId) : "";
      case "done":
        return this.done(frame.body);
      case "error":
        return this.error(frame.error);
      default:
        return "";
    }
  }

  end(): string {
    return "data: [DONE]\n\n";
  }

  private start(turnId: string | undefined): string {
    if (this.started) return "";
    this.started = true;
    return chunk(turnId ? { type: "start", messageId: turnId } : { type: "start" });
  }

  /** Opens a step for new content; a step whose tools were called is over once content follows it. */
  private openStep(): string {
    let out = "";
    if (this.stepOpen && this.stepHasTools) out += this.closeStep();
    if (!this.stepOpen) {
      this.stepOpen = true;
      this.stepHasTools = false;
      out += chunk({ type: "start-step" });
    }
    return out;
  }

  private closeStep(): string {
    let out = this.closeText();
    if (this.stepOpen) out += chunk({ type: "finish-step" });
    this.stepOpen = false;
    this.stepHasTools = false;
    this.pendingTools.clear();
    return out;
  }

  private closeText(): string {
    if (!this.text) return "";
    const out = chunk({ type: "text-end", id: this.text.id });
    this.text = null;
    return out;
  }

  private newText(content: string): string {
    const id = `text-${++this.parts}`;
    return (
      chunk({ type: "text-start", id }) +
      chunk({ type: "text-delta", id, delta: content }) +
      chunk({ type: "text-end", id })
    );
  }

  private delta(text: string): string {
    let out = this.openStep();
    if (!this.text) {
      this.text = { id: `text-${++this.parts}`, sent: "" };
      out += chunk({ type: "text-start", id: this.text.id });
    }
    this.text.sent += text;
    return out + chunk({ type: "text-delta", id: this.text.id, delta: text });
  }

  private message(message: Message): string {
    if (message.seq <= this.seen) return "";
    this.seen = message.seq;
    const out = this.start(message.turnId);
    if (message.role === "user") return out;
    if (message.role === "tool") return out + this.toolResult(message);
    return out + this.assistant(message);
  }

  private assistant(message: Message): string {
    let out = this.openStep();
    const { content } = message;
    if (message.cancelled) this.cancelled = true;
    if (this.text) {
      const { sent, id } = this.text;
      if (sent === content) out += this.closeText();
      else if (content.startsWith(sent)) {
        out += chunk({ type: "text-delta", id, delta: content.slice(sent.length) }) + this.closeText();
      } else {
        // what was streamed is not what was stored (a tag removed, a hook's replacement): show the stored text
        out += this.closeText() + chunk({ type: "reset-step" }) + (content ? this.newText(content) : "");
      }
    } else if (content) out += this.newText(content);
    const calls = message.toolCalls ?? [];
    for (const call of calls) {
      out += chunk({
        type: "tool-input-available",
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        input: call.input,
      });
      this.pendingTools.add(call.toolCallId);
    }
    if (calls.length > 0) this.stepHasTools = true;
    else out += this.closeStep();
    return out;
  }

  private toolResult(message: Message): string {
    const toolCallId = message.toolCallId ?? "";
    const out = message.isError
      ? chunk({ type: "tool-output-error", toolCallId, errorText: message.content })
      : chunk({ type: "tool-output-available", toolCallId, output: parseOutput(message.content) });
    this.pendingTools.delete(toolCallId);
    // delegated tasks' results arrive later: the step stays open until every call has its output
    return this.stepOpen && this.stepHasTools && this.pendingTools.size === 0 ? out + this.closeStep() : out;
  }

  private event(name: string, data: Record<string, unknown>): string {
    let out = "";
    // an escalation sets the local model's held-back answer aside: withdraw the text shown of it
    if (name === "escalated" && this.text) out += this.closeText() + chunk({ type: "reset-step" });
    return out + chunk({ type: `data-${name}`, data });
  }

  private done(body: TurnResponse): string {
    if (this.finished) return "";
    let out = this.start(body.turnId);
    for (const message of body.messages) out += this.message(message);
    out += this.closeStep();
    this.finished = true;
    const metadata: UiMessageMetadata = { turnId: body.turnId, answeredBy: body.answeredBy, usage: body.usage };
    const finishReason = body.status === "cancelled" || this.cancelled ? "interrupted" : "stop";
    return out + chunk({ type: "finish", finishReason, messageMetadata: metadata });
  }

  private error(error: FrameError): string {
    if (this.finished) return "";
    this.finished = true;
    const out = this.start(error.turnId) + this.closeStep();
    return out + chunk({ type: "error", errorText: error.message }) + chunk({ type: "finish", finishReason: "error" });
  }
}

function chunk(value: UiChunk): string {
  return sseData(value);
}

/** A tool's stored result is text; JSON results are shown as the value they were. */
function parseOutput(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}
