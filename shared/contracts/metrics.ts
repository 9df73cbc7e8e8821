import { z } from "zod";

/** Windows GET /v1/metrics reports over, in milliseconds. */
export const METRIC_WINDOWS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000 } as const;
export type MetricWindow = keyof typeof METRIC_WINDOWS;

/** Width of the time buckets metrics are kept in; windows are aligned to them. */
export const METRIC_BUCKET_MS = 300_000;

/** Query of GET /v1/metrics. */
export const metricsQuerySchema = z.strictObject({
  window: z.enum(["1h", "24h", "7d"]).default("1h"),
  format: z.enum(["json", "prometheus"]).optional(),
});

/**
 * What one group of turns (a time bucket, an agent and the model that answered) adds up to.
 * Plain sums and a fixed-bucket latency histogram, so groups merge by addition.
 */
export interface MetricCounts {
  turns: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** counts per LATENCY_BOUNDS_MS bucket, plus one above them */
  latency: number[];
  latencySumMs: number;
  escalated: number;
  /** escalations whose central model was not reached */
  refused: number;
  signals: Record<string, number>;
  fallbacks: number;
  /** turns in which at least one call fell back to another model */
  fallbackTurns: number;
  toolCalls: number;
  toolErrors: number;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costNanos: number;
}

/** One line of a session's metrics report. */
export interface MetricLine {
  bucketMs: number;
  agent: string;
  model: string;
  counts: MetricCounts;
}

/** A session's turns finished since its last report: ids (fromId, throughId], so a re-sent batch counts once. */
export interface MetricsBatch {
  sessionId: string;
  fromId: number;
  throughId: number;
  lines: MetricLine[];
  /** spans of this tenant the session's isolate dropped on export since the last report */
  droppedSpans: number;
}

const nullableNumber = z.number().nullable();

/** The figures of a group of turns, as GET /v1/metrics shows them. */
export const metricStatsSchema = z.object({
  turns: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
  }),
  /** completed ÷ total; null without turns */
  successRate: nullableNumber,
  latencyMs: z.object({ p50: nullableNumber, p95: nullableNumber, p99: nullableNumber, mean: nullableNumber }),
  escalation: z.object({
    count: z.number().int(),
    rate: nullableNumber,
    refused: z.number().int(),
    signals: z.record(z.string(), z.number().int()),
  }),
  fallback: z.object({ count: z.number().int(), turns: z.number().int(), rate: nullableNumber }),
  tools: z.object({ calls: z.number().int(), errors: z.number().int(), errorRate: nullableNumber }),
  tokens: z.object({ input: z.number().int(), output: z.number().int() }),
  modelCalls: z.number().int(),
  costUsd: z.number(),
  /** all the cost ÷ completed turns; null without completed turns */
  costPerSuccessfulTurnUsd: nullableNumber,
});
export type MetricStats = z.infer<typeof metricStatsSchema>;

/** Response of GET /v1/metrics. */
export const metricsResponseSchema = z
  .object({
    tenant: z.string(),
    window: z.enum(["1h", "24h", "7d"]),
    from: z.string(),
    to: z.string(),
    bucketSeconds: z.number().int(),
    overall: metricStatsSchema,
    byAgent: z.array(metricStatsSchema.extend({ agent: z.string() })),
    byModel: z.array(metricStatsSchema.extend({ model: z.string() })),
    traceExport: z.object({ droppedSpans: z.number().int() }),
  })
  .meta({ id: "Metrics" });
export type MetricsResponse = z.infer<typeof metricsResponseSchema>;
