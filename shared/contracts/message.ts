import { z } from "zod";
import { onBusySchema } from "./on-busy";
import { usageSchema } from "./session";

/** Largest accepted user message, in characters. */
export const MAX_CONTENT_CHARS = 32_768;

/** Who decided: the tenant of the token, and the token's label (`api` when it has none, `system` for an expiry). */
export const deciderSchema = z.object({ tenant: z.string(), label: z.string() });
export type Decider = z.infer<typeof deciderSchema>;

/** The decision on a tool call that needed approval, as the tool message answering it records it. */
export const approvalStampSchema = z.object({
  approvalId: z.string(),
  status: z.enum(["approved", "rejected", "expired", "cancelled"]),
  decidedBy: deciderSchema,
  decidedAt: z.string(),
  reason: z.string().optional(),
});
export type ApprovalStamp = z.infer<typeof approvalStampSchema>;

/** A tool call an assistant message asked for. */
export const toolCallSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

/** One stored message of a session's history. */
export const messageSchema = z
  .object({
    seq: z.number().int().positive(),
    role: z.enum(["user", "assistant", "tool"]),
    content: z.string(),
    turnId: z.string(),
    createdAt: z.string(),
    /** on assistant messages that called tools */
    toolCalls: z.array(toolCallSchema).optional(),
    /** on tool messages: which call this answers */
    toolCallId: z.string().optional(),
    toolName: z.string().optional(),
    isError: z.boolean().optional(),
    /** on the partial reply of a cancelled turn */
    cancelled: z.boolean().optional(),
    /** on a tool message answering a call that needed approval: the decision */
    approval: approvalStampSchema.optional(),
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof messageSchema>;
export type MessageRole = Message["role"];

/** Body of POST /v1/sessions/:id/messages. */
/** The text of a user message, however it arrives (HTTP body or WebSocket frame). */
export const messageContentSchema = z
  .string()
  .min(1)
  .max(MAX_CONTENT_CHARS)
  // a lone surrogate cannot be stored or sent to a model as UTF-8 without corruption
  .refine((text) => !/\p{Surrogate}/u.test(text), "must be valid Unicode (no unpaired surrogates)");

export const postMessageBodySchema = z.strictObject({
  content: messageContentSchema,
  /** overrides the session's policy for a message that arrives while a turn runs */
  onBusy: onBusySchema.optional(),
});
export type PostMessageBody = z.infer<typeof postMessageBodySchema>;

/** Response of POST /v1/sessions/:id/messages. */
export const turnResponseSchema = z
  .object({
    turnId: z.string(),
    /**
     * a cancelled turn's reply holds what the model produced before it was stopped; an
     * `input_required` turn's reply is the question it asks the user
     */
    status: z.enum(["completed", "cancelled", "input_required"]),
    reply: messageSchema,
    messages: z.array(messageSchema),
    usage: usageSchema,
    /** which model answered, and why the turn escalated if it did */
    answeredBy: z.object({
      model: z.string(),
      tier: z.enum(["local", "central"]),
      escalation: z
        .object({
          signal: z.enum(["tool", "confidence", "output_schema", "error", "context", "step_limit"]),
          reason: z.string(),
          /** the central model was not reached: the local answer (if any) was returned */
          refused: z.string().optional(),
        })
        .optional(),
    }),
  })
  .meta({ id: "TurnResponse" });
export type TurnResponse = z.infer<typeof turnResponseSchema>;

/** Query of GET /v1/sessions/:id/messages. */
export const listMessagesQuerySchema = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListMessagesQuery = z.infer<typeof listMessagesQuerySchema>;

/** Response of GET /v1/sessions/:id/messages. */
export const messagePageSchema = z
  .object({
    messages: z.array(messageSchema),
    hasMore: z.boolean(),
  })
  .meta({ id: "MessagePage" });
export type MessagePage = z.infer<typeof messagePageSchema>;

/** Response of POST /v1/sessions/:id/turns/:turnId/cancel. */
export const turnCancelledSchema = z.object({ turnId: z.string(), status: z.literal("cancelled") });
export type TurnCancelled = z.infer<typeof turnCancelledSchema>;

/** A message of a transcript a client carries (an OpenAI-compatible request), stored as history without running turns. */
export interface TranscriptEntry {
  role: "user" | "assistant";
  content: string;
}
