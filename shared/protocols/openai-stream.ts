import type { FrameError, ServerFrame } from "../contracts/frames";
import type { Message, TurnResponse } from "../contracts/message";
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage } from "../contracts/openai";
import { type FrameEncoder, sseData } from "./frame-encoder";
import { openAiFailure } from "./openai-errors";

/** What every chunk of one completion carries. */
export interface CompletionIdentity {
  model: string;
  /** seconds since the epoch */
  created: number;
  /** Edgent's session id, for a request that named one */
  sessionId?: string;
}

/** A turn's usage in OpenAI's names. */
export function completionUsage(usage: TurnResponse["usage"]): CompletionUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** The body of a non-streamed completion for a finished turn. */
export function chatCompletion(body: TurnResponse, identity: CompletionIdentity): ChatCompletion {
  return {
    id: `chatcmpl-${body.turnId}`,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: body.reply.content, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: completionUsage(body.usage),
    edgent: {
      ...(identity.sessionId ? { sessionId: identity.sessionId } : {}),
      turnId: body.turnId,
      status: body.status,
      answeredBy: { model: body.answeredBy.model, tier: body.answeredBy.tier },
    },
  };
}

/**
 * Maps one turn's frames to OpenAI's streamed chunks: a first chunk with the role, content
 * deltas as the model produces them (a trailing `[confidence: X]` tag a local model was asked
 * for is held back and never sent), text of stored messages the stream had not shown, a chunk
 * with `finish_reason`, the usage chunk when asked for, then `[DONE]`. A failure is an in-band
 * `{"error":{...}}` event, which the official client throws as an APIError.
 */
export class OpenAiChunkEncoder implements FrameEncoder {
  // skipping deltas would lose text the client cannot get back
  readonly skipsDeltas = false;
  private began = false;
  private failed = false;
  private id = "chatcmpl-pending";
  /** text of the current step already sent, and text held back in case it starts a tag */
  private sent = "";
  private held = "";
  private seen = 0;

  constructor(
    private readonly identity: CompletionIdentity,
    private readonly includeUsage: boolean,
  ) {}

  encode(frame: ServerFrame): string {
    switch (frame.type) {
      case "message":
        return this.message(frame.message);
      case "delta":
        return this.begin(frame.turnId) + this.delta(frame.text);
      case "event":
        // the held-back answer an escalation set aside has no place in the reply
        if (frame.name === "escalated") this.resetStep();
        return "";
      case "done":
        return this.done(frame.body);
      case "error":
        return this.error(frame.error);
      default:
        return "";
    }
  }

  end(): string {
    return this.failed ? "" : "data: [DONE]\n\n";
  }

  private chunk(delta: ChatCompletionChunk["choices"][number]["delta"], finish: "stop" | null = null): string {
    const value: ChatCompletionChunk = {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.identity.created,
      model: this.identity.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
    return sseData(value);
  }

  private begin(turnId: string | undefined): string {
    if (this.began) return "";
    this.began = true;
    if (turnId) this.id = `chatcmpl-${turnId}`;
    return this.chunk({ role: "assistant", content: "" });
  }

  private content(text: string): string {
    if (!text) return "";
    this.sent += text;
    return this.chunk({ content: text });
  }

  private delta(text: string): string {
    const all = this.held + text;
    const cut = tagStart(all);
    this.held = all.slice(cut);
    return this.content(all.slice(0, cut));
  }

  private resetStep(): void {
    this.sent = "";
    this.held = "";
  }

  private message(message: Message): string {
    if (message.seq <= this.seen) return "";
    this.seen = message.seq;
    const out = this.begin(message.turnId);
    if (message.role !== "assistant") return out;
    // the stored text is what the turn said: send what the stream has not shown of it
    const rest = message.content.startsWith(this.sent) ? message.content.slice(this.sent.length) : "";
    const sent = this.content(rest);
    this.resetStep();
    return out + sent;
  }

  private done(body: TurnResponse): string {
    let out = this.begin(body.turnId);
    for (const message of body.messages) out += this.message(message);
    out += this.chunk({}, "stop");
    if (this.includeUsage) {
      const usage: ChatCompletionChunk = {
        id: this.id,
        object: "chat.completion.chunk",
        created: this.identity.created,
        model: this.identity.model,
        choices: [],
        usage: completionUsage(body.usage),
      };
      out += sseData(usage);
    }
    return out;
  }

  private error(error: FrameError): string {
    this.failed = true;
    return sseData(openAiFailure(error).body);
  }
}

const TAG = "[confidence:";

/**
 * Where text that may be the start of a trailing `[confidence: X]` tag begins (its length if
 * none): such a suffix is held back until the stored message shows whether it was a tag.
 */
export function tagStart(text: string): number {
  const open = text.lastIndexOf("[");
  if (open < 0) return text.length;
  const tail = text.slice(open).toLowerCase();
  const possible =
    tail.length <= TAG.length
      ? TAG.startsWith(tail)
      : tail.startsWith(TAG) && /^\s*(?:[01](?:\.\d*)?)?(?:\]\s*)?$/.test(tail.slice(TAG.length));
  if (!possible) return text.length;
  // whitespace before the tag is removed with it
  let start = open;
  while (start > 0 && /\s/.test(text[start - 1] as string)) start--;
  return start;
}
