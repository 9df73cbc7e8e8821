import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { COMPACTION_MARKER } from "../context/compaction";
import { estimateTokens, truncateToTokens } from "../context/tokens";
import {
  askDirective,
  CENTRAL_MARK,
  cascadeReply,
  delegations,
  failIfDue,
  failTaskIfDue,
  toolLines,
} from "./builtin-directives";
import { type OfflinePlaybook, playbookView } from "./playbook";
import { streamFromResult } from "./stream";

/**
 * The offline default model: deterministic, instant, no network. It implements the same
 * provider interface as real models, so tool calls, usage and errors take the real path.
 *
 * - plain text: replies with the text verbatim
 * - `/tool NAME {json}`: calls tool NAME with that JSON, then replies with the result
 * - `/history`: replies with a JSON array of the user-message texts in its context
 * - `/slow MS TEXT`: replies with TEXT, streamed word by word MS milliseconds apart
 * - `/escalate REASON`, `/confidence X TEXT`, `/fail N TEXT`, `/fail-central N TEXT`: see
 *   builtin-directives.ts.
 * - `/delegate AGENT TEXT` (one per line): hands TEXT to sub-agent AGENT, then replies with
 *   every result; `/fail-task N TEXT`: a sub-agent fails the task's first N attempts. A model named `central` marks its replies with "[central] ".
 * - `/ask QUESTION`: asks the user QUESTION with the `ask_user` tool; several `/tool` and `/ask`
 *   lines make one step of several calls.
 * - an agent's offline playbook, if it has one, decides the steps of a message that is not a directive.
 */
export class BuiltinModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "builtin";
  readonly supportedUrls = {};
  private calls = 0;

  constructor(
    readonly modelId: string,
    private readonly playbook?: OfflinePlaybook,
  ) {}

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    options.abortSignal?.throwIfAborted();
    const slow = slowDirective(options, this.modelId === "central");
    if (slow) await sleep(slow.ms * slow.words.length, options.abortSignal);
    const callId = ++this.calls;
    const central = this.modelId === "central";
    const { content, confidence } = respond(options, callId, central, this.playbook);
    const outputText = content.map((part) => (part.type === "text" ? part.text : JSON.stringify(part))).join("");
    const hasToolCall = content.some((part) => part.type === "tool-call");
    return {
      content,
      finishReason: hasToolCall ? { unified: "tool-calls", raw: "tool_calls" } : { unified: "stop", raw: "stop" },
      usage: usage(promptTokens(options), estimateTokens(outputText)),
      warnings: [],
      ...(confidence === undefined ? {} : { providerMetadata: { edgent: { confidence } } }),
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const slow = slowDirective(options, this.modelId === "central");
    if (slow) return { stream: slowStream(slow, promptTokens(options), options.abortSignal) };
    return streamFromResult(await this.doGenerate(options));
  }
}

function respond(
  options: LanguageModelV4CallOptions,
  callId: number,
  central: boolean,
  playbook: OfflinePlaybook | undefined,
): { content: LanguageModelV4Content[]; confidence?: number } {
  const mark = (text: string) => (central ? `${CENTRAL_MARK}${text}` : text);
  const { prompt } = options;
  const system = prompt.find((message) => message.role === "system");
  if (system?.content.startsWith(COMPACTION_MARKER)) {
    return { content: [{ type: "text", text: summarize(userTexts(prompt).at(-1) ?? "", options.maxOutputTokens) }] };
  }
  const asked = userTexts(prompt).at(-1) ?? "";
  // a directive always wins; otherwise the agent's playbook, if any, decides
  if (playbook && !asked.trimStart().startsWith("/")) {
    const move = playbook(
      playbookView(
        prompt,
        (options.tools ?? []).map((tool) => tool.name),
      ),
    );
    if (move && "say" in move) return { content: [{ type: "text", text: mark(move.say) }] };
    if (move) {
      return {
        content: move.call.map((call, index) => ({
          type: "tool-call" as const,
          toolCallId: `builtin-call-${callId}-${index}`,
          toolName: call.toolName,
          input: JSON.stringify(call.input),
        })),
      };
    }
  }
  // the central model answers what the local model escalated
  const text = failIfDue(
    options,
    failTaskIfDue(options, central ? asked.replace(/^\s*\/escalate\s+(?=\/)/, "") : asked),
    central,
  );

  // results of the last step's tool calls, however many tool messages carry them
  const results = trailingToolResults(prompt);
  if (results.length > 0) {
    const lines = results.flatMap((part) => {
      if (part.type !== "tool-result") return [];
      const { output } = part;
      if (output.type === "error-text" || output.type === "error-json") {
        return [
          `Tool ${part.toolName} failed: ${typeof output.value === "string" ? output.value : JSON.stringify(output.value)}`,
        ];
      }
      // a text result (e.g. a sub-agent's, stored in history) is shown as it is
      if (output.type === "text") return [`Tool ${part.toolName} returned: ${output.value}`];
      const value = output.type === "json" ? output.value : output;
      return [`Tool ${part.toolName} returned: ${JSON.stringify(value)}`];
    });
    return { content: [{ type: "text", text: mark(lines.join("\n")) }] };
  }

  const cascade = cascadeReply(text, central);
  if (cascade.kind === "escalate") {
    const input = JSON.stringify({ reason: cascade.reason });
    return { content: [{ type: "tool-call", toolCallId: `builtin-call-${callId}`, toolName: "escalate", input }] };
  }
  if (cascade.kind === "answer")
    return { content: [{ type: "text", text: mark(cascade.text) }], confidence: cascade.confidence };
  const directive = cascade.text;
  const delegated = delegations(directive);
  if (delegated) {
    return {
      content: delegated.map((call, index) => ({
        type: "tool-call" as const,
        toolCallId: `builtin-call-${callId}-${index}`,
        toolName: "delegate",
        input: JSON.stringify(call),
      })),
    };
  }
  const calls = toolLines(directive);
  if (calls) {
    return {
      content: calls.map((call, index) => ({
        type: "tool-call" as const,
        toolCallId: `builtin-call-${callId}-${index}`,
        toolName: call.toolName,
        input: call.input,
      })),
    };
  }
  const question = askDirective(directive);
  if (question !== null) {
    const input = JSON.stringify({ question });
    return { content: [{ type: "tool-call", toolCallId: `builtin-call-${callId}`, toolName: "ask_user", input }] };
  }
  const tool = /^\/tool\s+(\S+)\s*([\s\S]*)$/.exec(directive.trim());
  if (tool) {
    return {
      content: [
        {
          type: "tool-call",
          toolCallId: `builtin-call-${callId}`,
          toolName: tool[1] as string,
          // passed through unparsed, so malformed JSON exercises the runtime's tool-error path
          input: tool[2]?.trim() || "{}",
        },
      ],
    };
  }
  const slow = /^\/slow\s+\d{1,5}\s+([\s\S]+)$/.exec(directive.trim());
  if (slow) return { content: [{ type: "text", text: mark(slow[1] as string) }] };
  if (directive.trim() === "/history")
    return { content: [{ type: "text", text: mark(JSON.stringify(userTexts(prompt))) }] };
  return { content: [{ type: "text", text: mark(directive) }] };
}

/** A `/slow MS TEXT` request in the newest user message, unless a tool result follows it. */
function slowDirective(options: LanguageModelV4CallOptions, central: boolean): { ms: number; words: string[] } | null {
  if (options.prompt.at(-1)?.role !== "user") return null;
  let text = (userTexts(options.prompt).at(-1) ?? "").trim();
  // the central model answers what the local model escalated
  if (central) text = text.replace(/^\/escalate\s+/, "");
  const match = /^\/slow\s+(\d{1,5})\s+([\s\S]+)$/.exec(text);
  if (!match) return null;
  // keep each word's trailing space so the deltas join back into the exact text
  return { ms: Number(match[1]), words: (match[2] as string).match(/\S+\s*/g) ?? [] };
}

/** Streams the words of a `/slow` reply with a pause before each, stopping when aborted. */
function slowStream(
  slow: { ms: number; words: string[] },
  inputTokens: number,
  signal: AbortSignal | undefined,
): ReadableStream<LanguageModelV4StreamPart> {
  const text = slow.words.join("");
  let index = 0;
  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: "stream-start", warnings: [] });
      controller.enqueue({ type: "text-start", id: "slow" });
    },
    async pull(controller) {
      if (index >= slow.words.length) {
        controller.enqueue({ type: "text-end", id: "slow" });
        controller.enqueue({
          type: "finish",
          finishReason: { unified: "stop", raw: "stop" },
          usage: usage(inputTokens, estimateTokens(text)),
        });
        controller.close();
        return;
      }
      await sleep(slow.ms, signal);
      controller.enqueue({ type: "text-delta", id: "slow", delta: slow.words[index++] as string });
    },
  });
}

/** Waits, rejecting with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The tool results after the prompt's last assistant message. */
function trailingToolResults(prompt: LanguageModelV4Prompt) {
  const results = [];
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index];
    if (message?.role !== "tool") break;
    results.unshift(...message.content);
  }
  return results;
}

/** Every user message's text in the prompt, oldest first. */
function userTexts(prompt: LanguageModelV4Prompt): string[] {
  return prompt.flatMap((message) =>
    message.role === "user" ? [message.content.map((part) => (part.type === "text" ? part.text : "")).join("")] : [],
  );
}

/**
 * A deterministic stand-in for a model-written summary: the previous summary plus one
 * short line per transcript entry, keeping the newest part when over the limit.
 */
function summarize(request: string, maxOutputTokens: number | undefined): string {
  const lines = request
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => (line.length > 120 ? `${line.slice(0, 117)}...` : line));
  const text = lines.join("\n");
  if (!maxOutputTokens || estimateTokens(text) <= maxOutputTokens) return text;
  const tail = text.slice(-maxOutputTokens * 4 + 32);
  return truncateToTokens(`[earlier parts omitted] ${tail.slice(tail.indexOf("\n") + 1)}`, maxOutputTokens);
}

/** Counts what a tokenizer would see: texts, tool calls and results, tool schemas, 4 a message. */
function promptTokens(options: LanguageModelV4CallOptions): number {
  let tokens = 0;
  for (const message of options.prompt) {
    tokens += 4;
    if (typeof message.content === "string") {
      tokens += estimateTokens(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text" || part.type === "reasoning") tokens += estimateTokens(part.text);
      else if (part.type === "tool-call") tokens += estimateTokens(part.toolName + JSON.stringify(part.input));
      else if (part.type === "tool-result") tokens += estimateTokens(JSON.stringify(part.output));
    }
  }
  for (const tool of options.tools ?? []) tokens += estimateTokens(JSON.stringify(tool));
  return tokens;
}

function usage(input: number, output: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}
