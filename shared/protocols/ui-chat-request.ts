import { messageContentSchema } from "../contracts/message";
import type { UiChatRequest } from "../contracts/ui-chat";

/** The new user message of a `useChat` request as a turn's content, or why it cannot be one. */
export type UiTurnPlan =
  | { ok: true; content: string }
  | { ok: false; code: "unsupported" | "validation_failed"; message: string };

/**
 * Reads the last message of a DefaultChatTransport body: it must be the user's, and only
 * its text parts are taken (files and other parts are refused). Earlier messages are the
 * client's copy of history the session already keeps.
 */
export function planUiTurn(request: UiChatRequest): UiTurnPlan {
  const index = request.messages.length - 1;
  const last = request.messages[index];
  if (last?.role !== "user") {
    return { ok: false, code: "validation_failed", message: "messages: the last message must be the user's" };
  }
  let content = "";
  for (const [at, part] of last.parts.entries()) {
    if (part.type === "text" && typeof part.text === "string") content += part.text;
    else if (part.type !== "step-start") {
      return {
        ok: false,
        code: "unsupported",
        message: `messages.${index}.parts.${at}: only text parts are supported, not '${part.type}'`,
      };
    }
  }
  const checked = messageContentSchema.safeParse(content);
  if (!checked.success) {
    return {
      ok: false,
      code: "validation_failed",
      message: `messages.${index}.parts: ${checked.error.issues[0]?.message ?? "invalid"}`,
    };
  }
  return { ok: true, content };
}
