import { z } from "zod";
import { onBusySchema } from "./on-busy";

/** A session id chosen by the client: 1–128 chars of [A-Za-z0-9_-]. */
export const sessionIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "must contain only letters, digits, '_' and '-'");

/** An agent name as used in routes and bodies. */
export const agentNameSchema = z.string().min(1).max(64);

/** Body of POST /v1/sessions. */
export const createSessionBodySchema = z.strictObject({
  agent: agentNameSchema,
  sessionId: sessionIdSchema.optional(),
  /** the session's policy for messages that arrive while a turn runs (default enqueue) */
  onBusy: onBusySchema.optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

/** Token and call counters of a session or a turn. */
export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  modelCalls: z.number().int().nonnegative(),
  /** priced from the model catalog (EDGENT_MODEL_SPECS) */
  costUsd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof usageSchema>;

/** Response of POST /v1/sessions. */
export const sessionCreatedSchema = z
  .object({
    sessionId: z.string(),
    agent: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: "SessionCreated" });
export type SessionCreated = z.infer<typeof sessionCreatedSchema>;

/** Response of GET /v1/sessions/:id. */
export const sessionInfoSchema = sessionCreatedSchema
  .extend({
    messageCount: z.number().int().nonnegative(),
    usage: usageSchema,
    /** turns that escalated to the central model */
    escalations: z.number().int().nonnegative(),
  })
  .meta({ id: "SessionInfo" });
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** Response of POST /v1/sessions/:id/ws-ticket: a single-use ticket for a browser's WebSocket upgrade. */
export const wsTicketSchema = z.object({ ticket: z.string(), expiresAt: z.string() });
export type WsTicket = z.infer<typeof wsTicketSchema>;
