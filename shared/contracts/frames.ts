import { z } from "zod";
import { ERROR_CODES } from "../errors";
import { messageContentSchema, messageSchema, turnResponseSchema } from "./message";

import { onBusySchema } from "./on-busy";

export { type OnBusy, onBusySchema } from "./on-busy";

/** Frames a client sends over a session's WebSocket. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("message"),
    content: messageContentSchema,
    clientId: z.string().min(1).max(128).optional(),
    onBusy: onBusySchema.optional(),
    /** W3C trace context to run the turn under; a malformed one is ignored */
    traceparent: z.string().max(512).optional(),
  }),
  z.strictObject({ type: z.literal("resume"), after: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal("cancel"), turnId: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/**
 * Lifecycle states a turn reports. `waiting`: it handed tasks to sub-agents and goes on when
 * their results are in; `awaiting_approval`: a tool call waits for a person's decision;
 * `input_required`: it asked the user a question (its reply); `blocked`: a guardrail tripped.
 */
export const turnStatusSchema = z.enum([
  "started",
  "waiting",
  "awaiting_approval",
  "completed",
  "input_required",
  "failed",
  "cancelled",
  "blocked",
]);
export type TurnStatus = z.infer<typeof turnStatusSchema>;

/** An error as frames carry it: a code of the one error vocabulary (shared/errors.ts). */
export const frameErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  turnId: z.string().optional(),
  retryAfterMs: z.number().optional(),
  /** the guardrail that tripped */
  guardrail: z.string().optional(),
});
export type FrameError = z.infer<typeof frameErrorSchema>;

/**
 * Everything a server streams about a session, over WebSocket and SSE alike. SSE uses the
 * frame's type as the event name and the frame as its data.
 */
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), sessionId: z.string(), lastSeq: z.number().int().nonnegative() }),
  z.object({ type: z.literal("message"), message: messageSchema }),
  z.object({ type: z.literal("delta"), turnId: z.string(), text: z.string() }),
  /** drop the text streamed for this turn so far: a guardrail blocked or revised it */
  z.object({ type: z.literal("discard"), turnId: z.string(), reason: z.string() }),
  z.object({ type: z.literal("turn"), turnId: z.string(), status: turnStatusSchema, clientId: z.string().optional() }),
  z.object({ type: z.literal("event"), turnId: z.string(), name: z.string(), data: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal("done"), body: turnResponseSchema }),
  z.object({ type: z.literal("error"), error: frameErrorSchema }),
  z.object({ type: z.literal("pong") }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** The exact text of a ping frame, answered by the runtime without waking the object. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';
