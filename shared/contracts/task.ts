import { z } from "zod";
import { messageSchema } from "./message";

/** Largest task text a coordinator may hand a sub-agent, in characters. */
export const MAX_TASK_CHARS = 16_384;

const agentNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);

/**
 * A task on the delegation queue: which sub-agent runs what, for which parent turn, and how
 * far down the delegation tree it is. `attempt` counts deliveries of the work, from 1.
 */
export const taskMessageSchema = z.strictObject({
  taskId: z.uuid(),
  tenant: z.string().min(1).max(128),
  parentSessionId: z.string().min(1).max(256),
  parentTurnId: z.uuid(),
  agent: agentNameSchema,
  input: z.string().min(1).max(MAX_TASK_CHARS),
  /** 1 for a task a user's session delegated; its sub-tasks are 2, and so on */
  depth: z.number().int().min(1).max(16),
  /** agents from the root session down to the parent, for cycle detection */
  chain: z.array(agentNameSchema).min(1).max(16),
  /** epoch ms after which the result is no longer wanted */
  deadline: z.number().int().positive(),
  /** the root turn's id, which every task of a request shares */
  traceId: z.string().min(1).max(64),
  /** W3C trace context of the task's span in the parent session: deliveries are its children */
  traceparent: z.string().max(256).optional(),
  attempt: z.number().int().min(1).max(100),
  /** why the previous attempt failed */
  lastError: z.string().max(1024).optional(),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

export const taskStatusSchema = z.enum(["queued", "running", "completed", "failed", "timed_out"]);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** The arguments of the `delegate` tool a coordinator's model calls. */
export const delegateInputSchema = z.strictObject({
  agent: agentNameSchema.describe("name of the sub-agent to hand the task to"),
  task: z
    .string()
    .min(1)
    .max(MAX_TASK_CHARS)
    .describe("the task, self-contained: the sub-agent sees nothing else of this conversation"),
});
export type DelegateInput = z.infer<typeof delegateInputSchema>;

/** One task as GET /v1/sessions/:id/tasks shows it. */
export const taskViewSchema = z
  .object({
    taskId: z.string(),
    turnId: z.string(),
    agent: z.string(),
    input: z.string(),
    status: taskStatusSchema,
    attempts: z.number().int().nonnegative(),
    result: z.string().optional(),
    error: z.string().optional(),
    /** the task this one replaced as the declared fallback agent */
    fallbackFor: z.string().optional(),
    createdAt: z.string(),
    completedAt: z.string().optional(),
  })
  .meta({ id: "Task" });
export type TaskView = z.infer<typeof taskViewSchema>;

/** Response of GET /v1/sessions/:id/tasks. */
export const taskListSchema = z.object({ tasks: z.array(taskViewSchema) });
export type TaskList = z.infer<typeof taskListSchema>;

/** GET /v1/sessions/:id/tasks/:taskId: the task and the sub-agent's own messages. */
export const taskDetailSchema = taskViewSchema.extend({
  depth: z.number().int(),
  /** the root turn's id, shared by every task of the request */
  traceId: z.string(),
  /** the W3C trace the task runs in, and its span (the parent of every delivery) */
  trace: z.object({ traceId: z.string(), spanId: z.string() }).optional(),
  messages: z.array(messageSchema),
});
export type TaskDetail = z.infer<typeof taskDetailSchema>;

/** Response of POST /v1/sessions/:id/messages when the turn outlives the wait limit. */
export const pendingTurnSchema = z.object({ turnId: z.string(), status: z.literal("pending") });
export type PendingTurn = z.infer<typeof pendingTurnSchema>;

/** Response of GET /v1/sessions/:id/tasks/:taskId. */
export const taskDetailPageSchema = taskDetailSchema.extend({ messagesHasMore: z.boolean() });
export type TaskDetailPage = z.infer<typeof taskDetailPageSchema>;

/** Where a delivery of a task came from, for its trace: a queue message, or a direct call (empty). */
export interface TaskDelivery {
  queue?: string;
  messageId?: string;
}

/** The outcome of a task, as a sub-agent's object reports it to the parent's. */
export type TaskReport =
  | { taskId: string; status: "completed"; result: string; attempts: number }
  | { taskId: string; status: "failed" | "timed_out"; error: string; attempts: number };

/** Query of GET /v1/sessions/:id/tasks. */
export const listTasksQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Query of GET /v1/sessions/:id/tasks/:taskId: how many of the sub-agent's messages to include. */
export const taskDetailQuerySchema = z.strictObject({
  messages: z.coerce.number().int().min(0).max(1000).default(100),
});

export const taskIdSchema = z.uuid();
