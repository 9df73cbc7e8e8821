// The AI SDK's UI message stream (what `useChat` reads), as far as Edgent speaks it: the body
// its DefaultChatTransport posts, and the chunks Edgent streams back. Bodies are read loosely:
// the transport merges the app's own fields into them.
import { z } from "zod";

/** A part of a UI message; only text parts of the user's message are used. */
const uiPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

/** A message as `useChat` holds it. */
export const uiMessageSchema = z.looseObject({
  id: z.string().optional(),
  role: z.enum(["system", "user", "assistant"]),
  parts: z.array(uiPartSchema),
});
export type UiMessageWire = z.infer<typeof uiMessageSchema>;

/**
 * Body of POST /v1/sessions/:id/chat, as DefaultChatTransport sends it. Only the last message
 * (the user's new one) is read: the session keeps its own history, so an app may send just that
 * one (`prepareSendMessagesRequest`).
 */
export const uiChatRequestSchema = z
  .looseObject({
    id: z.string().optional().describe("the chat's id on the client"),
    messages: z.array(uiMessageSchema).min(1),
    trigger: z.enum(["submit-message", "regenerate-message"]).optional(),
    messageId: z.string().nullish(),
  })
  .meta({ id: "UiChatRequest" });
export type UiChatRequest = z.infer<typeof uiChatRequestSchema>;

/** Why a turn's UI message finished. */
export const uiFinishReasonSchema = z.enum(["stop", "length", "error", "interrupted", "other"]);

/** Metadata of the assistant message: which turn it is, who answered, what it cost. */
export const uiMessageMetadataSchema = z.object({
  turnId: z.string(),
  answeredBy: z
    .object({
      model: z.string(),
      tier: z.enum(["local", "central"]),
      escalation: z.object({ signal: z.string(), reason: z.string(), refused: z.string().optional() }).optional(),
    })
    .optional(),
  usage: z
    .object({
      inputTokens: z.number(),
      outputTokens: z.number(),
      modelCalls: z.number(),
      costUsd: z.number(),
    })
    .optional(),
});
export type UiMessageMetadata = z.infer<typeof uiMessageMetadataSchema>;

/**
 * The chunks Edgent streams (one `data:` event each, then `data: [DONE]`). Turn events
 * (escalated, fallback, budget_refused, ...) travel as `data-<event name>` parts.
 */
export const uiChunkSchema = z
  .union([
    z.object({ type: z.literal("start"), messageId: z.string().optional() }),
    z.object({ type: z.literal("start-step") }),
    z.object({ type: z.literal("finish-step") }),
    z.object({ type: z.literal("reset-step") }),
    z.object({ type: z.literal("text-start"), id: z.string() }),
    z.object({ type: z.literal("text-delta"), id: z.string(), delta: z.string() }),
    z.object({ type: z.literal("text-end"), id: z.string() }),
    z.object({
      type: z.literal("tool-input-available"),
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.unknown(),
    }),
    z.object({ type: z.literal("tool-output-available"), toolCallId: z.string(), output: z.unknown() }),
    z.object({ type: z.literal("tool-output-error"), toolCallId: z.string(), errorText: z.string() }),
    z.object({ type: z.templateLiteral(["data-", z.string()]), data: z.unknown() }),
    z.object({ type: z.literal("message-metadata"), messageMetadata: uiMessageMetadataSchema }),
    z.object({ type: z.literal("error"), errorText: z.string() }),
    z.object({
      type: z.literal("finish"),
      finishReason: uiFinishReasonSchema.optional(),
      messageMetadata: uiMessageMetadataSchema.optional(),
    }),
  ])
  .meta({ id: "UiMessageChunk" });
export type UiChunk = z.infer<typeof uiChunkSchema>;

/** The header that marks a UI message stream. */
export const UI_MESSAGE_STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-vercel-ai-ui-message-stream": "v1",
  "x-accel-buffering": "no",
} as const;
