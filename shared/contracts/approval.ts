import { z } from "zod";
import { type Decider, deciderSchema, turnResponseSchema } from "./message";

/** Where an approval stands. Expired ones count as rejected. */
export const approvalStatusSchema = z.enum(["pending", "approved", "rejected", "expired", "cancelled"]);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

/** A tool call waiting for (or past) a person's decision, as the API shows it. */
export const approvalViewSchema = z.object({
  approvalId: z.string(),
  /** the turn of this session that waits for it */
  turnId: z.string(),
  /** the session that raised it: this one, or a sub-agent's (`task:<taskId>`) */
  sessionId: z.string(),
  agent: z.string(),
  tool: z.string(),
  toolCallId: z.string(),
  /** the call's arguments, as guardrails let them out */
  args: z.unknown(),
  /** why the call needs approval */
  reason: z.string(),
  status: approvalStatusSchema,
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: deciderSchema.optional(),
  decisionReason: z.string().optional(),
});
export type ApprovalView = z.infer<typeof approvalViewSchema>;

/** Body of POST /v1/sessions/:id/approvals/:approvalId. */
export const approvalDecisionBodySchema = z.strictObject({
  decision: z.enum(["approve", "reject"]),
  reason: z.string().min(1).max(1_000).optional(),
});
export type ApprovalDecisionBody = z.infer<typeof approvalDecisionBodySchema>;

/** A decision as the session records it. */
export interface ApprovalDecision {
  decision: "approve" | "reject";
  reason?: string;
  by: Decider;
}

/** Query of GET /v1/sessions/:id/approvals. */
export const listApprovalsQuerySchema = z.strictObject({
  status: z.enum(["pending", "all"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** An approval id in a route. */
export const approvalIdSchema = z.uuid();

/** A turn paused for a person's decision: a message's 202, or where a decision left its turn. */
export const awaitingApprovalSchema = z.object({
  turnId: z.string(),
  status: z.literal("awaiting_approval"),
  approvals: z.array(approvalViewSchema),
});
export type AwaitingApproval = z.infer<typeof awaitingApprovalSchema>;

/** Where a turn got to, as a decision's response (and a paused message's 202) reports it. */
export const turnProgressSchema = z.union([
  turnResponseSchema,
  awaitingApprovalSchema,
  z.object({ turnId: z.string(), status: z.literal("pending") }),
  z.object({
    turnId: z.string(),
    status: z.enum(["failed", "blocked"]),
    error: z.object({ code: z.string(), message: z.string(), guardrail: z.string().optional() }),
  }),
]);
export type TurnProgress = z.infer<typeof turnProgressSchema>;

/** Response of GET /v1/sessions/:id/approvals. */
export const approvalListSchema = z.object({ approvals: z.array(approvalViewSchema) }).meta({ id: "ApprovalList" });
export type ApprovalList = z.infer<typeof approvalListSchema>;

/** Response of POST /v1/sessions/:id/approvals/:approvalId. */
export const decisionResponseSchema = z
  .object({
    approval: approvalViewSchema,
    /** the turn, once it ran on with the decision (or paused again), within EDGENT_TURN_WAIT_MS */
    turn: turnProgressSchema,
  })
  .meta({ id: "DecisionResponse" });
export type DecisionResponse = z.infer<typeof decisionResponseSchema>;
