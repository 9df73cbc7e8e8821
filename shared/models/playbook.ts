import type { LanguageModelV4Prompt } from "@ai-sdk/provider";

/** One entry of the conversation as an offline playbook reads it. */
export type TranscriptEntry =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; calls: Array<{ toolName: string; input: unknown }> }
  | { role: "tool"; toolName: string; output: unknown; isError: boolean };

/** What an offline playbook sees: the conversation in the model's context and the tools offered. */
export interface PlaybookView {
  /** oldest first */
  transcript: readonly TranscriptEntry[];
  /** the entries after the newest user message: this turn's steps so far */
  sinceUser: readonly TranscriptEntry[];
  tools: readonly string[];
}

/** The builtin model's next step under a playbook: a reply, or tool calls (one step, in parallel). */
export type PlaybookMove = { say: string } | { call: Array<{ toolName: string; input: unknown }> };

/**
 * A deterministic stand-in for a model's judgement, for the offline builtin model: given the
 * conversation, the next step. Null leaves the builtin model to its usual behaviour.
 */
export type OfflinePlaybook = (view: PlaybookView) => PlaybookMove | null;

/** The prompt as a playbook reads it. */
export function playbookView(prompt: LanguageModelV4Prompt, tools: readonly string[]): PlaybookView {
  const transcript: TranscriptEntry[] = [];
  for (const message of prompt) {
    if (message.role === "user") {
      transcript.push({ role: "user", text: message.content.map((p) => (p.type === "text" ? p.text : "")).join("") });
    } else if (message.role === "assistant") {
      let text = "";
      const calls: Array<{ toolName: string; input: unknown }> = [];
      for (const part of message.content) {
        if (part.type === "text") text += part.text;
        else if (part.type === "tool-call") calls.push({ toolName: part.toolName, input: parse(part.input) });
      }
      transcript.push({ role: "assistant", text, calls });
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue;
        const { output } = part;
        const isError = output.type === "error-text" || output.type === "error-json";
        const value = "value" in output ? output.value : output;
        transcript.push({ role: "tool", toolName: part.toolName, output: parse(value), isError });
      }
    }
  }
  let last = -1;
  transcript.forEach((entry, index) => {
    if (entry.role === "user") last = index;
  });
  return { transcript, sinceUser: transcript.slice(last + 1), tools };
}

/** A JSON text as its value; any other value as it is. */
function parse(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
