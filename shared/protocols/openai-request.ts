import { messageContentSchema, type TranscriptEntry } from "../contracts/message";
import type { ChatCompletionRequest, OpenAiMessage } from "../contracts/openai";

/** What a chat completion request asks of a session, or why Edgent cannot do it. */
export type ChatTurnPlan =
  | {
      ok: true;
      /** the new trailing user message(s), as one turn's content */
      content: string;
      /** the messages before them, for a short-lived session to be seeded with */
      transcript: TranscriptEntry[];
      stream: boolean;
      includeUsage: boolean;
    }
  | { ok: false; code: "unsupported" | "validation_failed"; message: string };

/** Request fields Edgent refuses rather than silently ignore, with why. */
const UNSUPPORTED: ReadonlyArray<[field: string, refused: (request: ChatCompletionRequest) => boolean, why: string]> = [
  [
    "tools",
    (r) => (r.tools?.length ?? 0) > 0,
    "client-executed tools are not supported; the agent's own tools run on the server",
  ],
  ["functions", (r) => (r.functions?.length ?? 0) > 0, "client-executed functions are not supported"],
  ["tool_choice", (r) => !absentOr(r.tool_choice, ["none", "auto"]), "client-executed tools are not supported"],
  ["function_call", (r) => !absentOr(r.function_call, ["none", "auto"]), "client-executed functions are not supported"],
  ["n", (r) => (r.n ?? 1) !== 1, "only one choice per request (n = 1) is supported"],
  ["logprobs", (r) => r.logprobs === true, "log probabilities are not supported"],
  ["top_logprobs", (r) => (r.top_logprobs ?? 0) > 0, "log probabilities are not supported"],
  ["audio", (r) => r.audio != null, "audio output is not supported"],
  ["modalities", (r) => (r.modalities ?? ["text"]).some((m) => m !== "text"), "only text output is supported"],
  [
    "response_format",
    (r) => (r.response_format?.type ?? "text") !== "text",
    "response formats are not supported; an agent's outputSchema sets its answers' shape",
  ],
  ["prediction", (r) => r.prediction != null, "predicted outputs are not supported"],
  ["web_search_options", (r) => r.web_search_options != null, "web search is not supported"],
];

function absentOr(value: unknown, allowed: readonly string[]): boolean {
  return value === undefined || value === null || (typeof value === "string" && allowed.includes(value));
}

const refuse = (code: "unsupported" | "validation_failed", field: string, why: string): ChatTurnPlan => ({
  ok: false,
  code,
  message: `${field}: ${why}`,
});

/** A message's text; null if it has parts Edgent does not take (images, audio, files). */
function textOf(message: OpenAiMessage): string | null {
  const { content } = message;
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  let text = "";
  for (const part of content) {
    if (part.type === "text" && typeof part.text === "string") text += part.text;
    else if (part.type !== "refusal") return null;
  }
  return text;
}

/**
 * Reads a chat completion request as a turn: the trailing user messages are the turn's
 * content (joined by a blank line); the messages before them are a transcript a short-lived
 * session is seeded with (a named session keeps its own history and ignores them). Features
 * Edgent does not offer are refused, never ignored: client-executed tools, several choices,
 * log probabilities, non-text input or output, and system or developer messages (an agent's
 * instructions come from its definition).
 */
export function planChatTurn(request: ChatCompletionRequest): ChatTurnPlan {
  for (const [field, refused, why] of UNSUPPORTED) if (refused(request)) return refuse("unsupported", field, why);
  const entries: TranscriptEntry[] = [];
  for (const [index, message] of request.messages.entries()) {
    const field = `messages.${index}`;
    if (message.role === "system" || message.role === "developer") {
      return refuse(
        "unsupported",
        `${field}.role`,
        `${message.role} messages are not supported; the agent's instructions come from its definition`,
      );
    }
    if (message.role === "tool" || message.role === "function" || (message.tool_calls?.length ?? 0) > 0) {
      return refuse(
        "unsupported",
        field,
        "client-executed tools are not supported; the agent's own tools run on the server",
      );
    }
    const text = textOf(message);
    if (text === null)
      return refuse("unsupported", `${field}.content`, "only text content is supported (no images, audio or files)");
    entries.push({ role: message.role, content: text });
  }
  let first = entries.length;
  while (first > 0 && entries[first - 1]?.role === "user") first--;
  if (first === entries.length) return refuse("validation_failed", "messages", "the last message must be the user's");
  const content = entries
    .slice(first)
    .map((entry) => entry.content)
    .join("\n\n");
  const checked = messageContentSchema.safeParse(content);
  if (!checked.success) {
    return refuse(
      "validation_failed",
      `messages.${entries.length - 1}.content`,
      checked.error.issues[0]?.message ?? "invalid",
    );
  }
  return {
    ok: true,
    content,
    transcript: entries.slice(0, first),
    stream: request.stream === true,
    includeUsage: request.stream === true && request.stream_options?.include_usage === true,
  };
}
