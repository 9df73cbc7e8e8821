import type { AssistantModelMessage, ModelMessage, ToolModelMessage } from "ai";
import { truncateToTokens } from "../../../shared/context/tokens";
import type { Message, ToolCall } from "../../../shared/contracts/message";
import type { NewMessage } from "../storage/rows";

/**
 * Turns stored history into the model's message format. Earlier messages are cut to
 * `perMessage` tokens; the current turn's own messages (from `wholeFromSeq`) never are.
 */
export function toModelMessages(
  messages: readonly Message[],
  perMessage: number,
  wholeFromSeq: number,
): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const message of messages) {
    const content = message.seq >= wholeFromSeq ? message.content : truncateToTokens(message.content, perMessage);
    if (message.role === "user") {
      out.push({ role: "user", content });
    } else if (message.role === "assistant") {
      const parts: AssistantModelMessage["content"] = [];
      if (content) parts.push({ type: "text", text: content });
      for (const call of message.toolCalls ?? []) {
        parts.push({ type: "tool-call", toolCallId: call.toolCallId, toolName: call.toolName, input: call.input });
      }
      out.push({ role: "assistant", content: parts });
    } else {
      const result: ToolModelMessage["content"][number] = {
        type: "tool-result",
        toolCallId: message.toolCallId ?? "",
        toolName: message.toolName ?? "",
        output: message.isError ? { type: "error-text", value: content } : { type: "text", value: content },
      };
      // results of one step travel together in one tool message
      const previous = out.at(-1);
      if (previous?.role === "tool") previous.content.push(result);
      else out.push({ role: "tool", content: [result] });
    }
  }
  return out;
}

/** Turns the messages one model step produced into rows to store. */
export function fromStepMessages(turnId: string, messages: readonly ModelMessage[]): NewMessage[] {
  const out: NewMessage[] = [];
  for (const message of messages) {
    if (message.role === "assistant") {
      if (typeof message.content === "string") {
        out.push({ turnId, role: "assistant", content: message.content });
        continue;
      }
      let text = "";
      const toolCalls: ToolCall[] = [];
      for (const part of message.content) {
        if (part.type === "text") text += part.text;
        else if (part.type === "tool-call") {
          toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        }
      }
      out.push({ turnId, role: "assistant", content: text, ...(toolCalls.length ? { toolCalls } : {}) });
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue;
        const { output } = part;
        const isError = output.type === "error-text" || output.type === "error-json";
        const value =
          output.type === "text" || output.type === "error-text"
            ? output.value
            : JSON.stringify("value" in output ? output.value : output);
        out.push({
          turnId,
          role: "tool",
          content: value,
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          isError,
        });
      }
    }
  }
  return out;
}
