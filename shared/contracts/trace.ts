import { z } from "zod";
import { ERROR_CODES } from "../errors";
import { turnStatusSchema } from "./frames";

/** OpenTelemetry span kinds. */
export const spanKindSchema = z.enum(["internal", "server", "client", "producer", "consumer"]);
export type SpanKind = z.infer<typeof spanKindSchema>;

/** A span attribute value: OpenTelemetry's primitives and arrays of them. */
export const attributeValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.array(z.number()),
]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;
export type Attributes = Record<string, AttributeValue>;

/** Something that happened at one moment of a span (a turn event, an escalation, a breaker change). */
export const spanEventSchema = z.object({
  name: z.string(),
  timeMs: z.number(),
  attributes: z.record(z.string(), attributeValueSchema).optional(),
});
export type SpanEvent = z.infer<typeof spanEventSchema>;

/**
 * One span as Edgent records, stores and exports it. Times are epoch milliseconds; a span
 * without `endMs` is still open (the turn of a session waiting for its sub-agents).
 */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startMs: number;
  endMs?: number;
  status: "unset" | "ok" | "error";
  statusMessage?: string;
  attributes: Attributes;
  events?: SpanEvent[];
}

/** Where a span was recorded: the session asked about, a sub-agent's object, or the tenant's gateway. */
export const spanSourceSchema = z.object({
  kind: z.enum(["session", "sub_agent", "gateway"]),
  /** the task a sub-agent's object works on */
  taskId: z.string().optional(),
});

/** Where a span was recorded. */
export type SpanSource = z.infer<typeof spanSourceSchema>;

/** A span with where it was recorded. */
export type SourcedSpan = SpanData & { source: SpanSource };

/** The spans one object holds of a trace, its sub-agents' included, and the sub-agents that did not answer. */
export interface TraceSlice {
  spans: SourcedSpan[];
  missing: Array<{ taskId: string; reason: string }>;
}

/** A span of GET /v1/sessions/:id/turns/:turnId/trace, placed for drawing as a waterfall. */
export const traceSpanSchema = z.object({
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: spanKindSchema,
  startedAt: z.string(),
  /** absent while the span is open */
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** from the start of the trace's first span in this tree */
  offsetMs: z.number(),
  /** 0 for the turn's span, 1 for its children, ... */
  depth: z.number().int().nonnegative(),
  status: z.enum(["unset", "ok", "error"]),
  statusMessage: z.string().optional(),
  attributes: z.record(z.string(), attributeValueSchema),
  events: z.array(spanEventSchema.extend({ at: z.string() }).omit({ timeMs: true })),
  source: spanSourceSchema,
});
export type TraceSpan = z.infer<typeof traceSpanSchema>;

/** Response of GET /v1/sessions/:id/turns/:turnId/trace: the turn's span tree, depth first. */
export const turnTraceSchema = z
  .object({
    turnId: z.string(),
    traceId: z.string(),
    /** the span the turn ran under (the router's request, a task delivery), if any */
    parentSpanId: z.string().optional(),
    startedAt: z.string(),
    durationMs: z.number().optional(),
    /** depth first, children by start time: draw each as a bar from offsetMs for durationMs */
    spans: z.array(traceSpanSchema),
    /** sub-agents whose spans could not be read (their object did not answer) */
    missing: z.array(z.object({ taskId: z.string(), reason: z.string() })),
  })
  .meta({ id: "TurnTrace" });
export type TurnTrace = z.infer<typeof turnTraceSchema>;

/** One turn as GET /v1/sessions/:id/turns lists it. */
export const turnSummarySchema = z.object({
  turnId: z.string(),
  /** a turn's lifecycle status, `running` until it ends; `waiting`/`awaiting_approval` have not ended either */
  status: z.enum(["running", ...turnStatusSchema.exclude(["started"]).options]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** every model the turn called, with its tier and call count */
  models: z.array(z.object({ model: z.string(), tier: z.enum(["local", "central"]), calls: z.number().int() })),
  answeredBy: z.string().optional(),
  steps: z.number().int(),
  modelCalls: z.number().int(),
  tokens: z.object({ input: z.number().int(), output: z.number().int() }),
  costUsd: z.number(),
  escalation: z.object({ signal: z.string(), reason: z.string(), refused: z.string().optional() }).optional(),
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).optional(),
  /** the W3C trace id of the turn, while its spans are retained */
  traceId: z.string().optional(),
});
export type TurnSummary = z.infer<typeof turnSummarySchema>;

/** Response of GET /v1/sessions/:id/turns. */
export const turnsPageSchema = z
  .object({
    turns: z.array(turnSummarySchema),
    hasMore: z.boolean(),
    /** pass as `before` for the next (older) page */
    nextBefore: z.string().optional(),
  })
  .meta({ id: "TurnsPage" });
export type TurnsPage = z.infer<typeof turnsPageSchema>;

/** Query of GET /v1/sessions/:id/turns: newest first, `before` a turn id from a previous page. */
export const listTurnsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: z.uuid().optional(),
});

/** A turn's id, as the turn routes take it. */
export const turnIdSchema = z.uuid();
