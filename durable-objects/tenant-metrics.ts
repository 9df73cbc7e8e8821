import { DurableObject } from "cloudflare:workers";
import {
  METRIC_BUCKET_MS,
  METRIC_WINDOWS,
  type MetricCounts,
  type MetricLine,
  type MetricsBatch,
  type MetricsResponse,
  type MetricWindow,
} from "../shared/contracts/metrics";
import { emptyCounts, groupLines, mergeCounts, statsOf } from "../shared/metrics/aggregate";
import type { MetricsApi } from "./rpc";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS edgent_metric_buckets (
  bucket_ms INTEGER NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, counts TEXT NOT NULL,
  PRIMARY KEY (bucket_ms, agent, model)
);
CREATE TABLE IF NOT EXISTS edgent_metric_drops (bucket_ms INTEGER PRIMARY KEY, spans INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edgent_metric_reports (session TEXT PRIMARY KEY, through_id INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
`;

/** The longest window, plus a bucket: older buckets are deleted. */
const KEEP_MS = METRIC_WINDOWS["7d"] + METRIC_BUCKET_MS;
/** Sessions silent this long are forgotten (a re-sent batch older than this would count twice). */
const FORGET_SESSIONS_MS = 8 * 86_400_000;

/**
 * One per tenant: its turn metrics in 5-minute buckets per agent and answering model, kept
 * for seven days. Sessions report finished turns in batches (at most one per session every
 * few seconds, from an alarm, never on a turn's path), so no request of a turn waits on
 * this object; a batch re-sent after a failure counts once. Kept apart from the gateway so
 * that dashboards and scrapes never queue behind, or slow, central model calls.
 */
export class TenantMetrics extends DurableObject<Env> implements MetricsApi {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  async report(batch: MetricsBatch): Promise<void> {
    const sql = this.ctx.storage.sql;
    const seen = sql
      .exec<{ through_id: number }>("SELECT through_id FROM edgent_metric_reports WHERE session = ?", batch.sessionId)
      .toArray()[0];
    // a batch of turns counts once; one with drops only (no turns to report) always counts
    if (seen && seen.through_id >= batch.throughId && batch.lines.length > 0) return;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const line of batch.lines) this.add(line);
      if (batch.droppedSpans > 0) {
        sql.exec(
          `INSERT INTO edgent_metric_drops (bucket_ms, spans) VALUES (?, ?)
           ON CONFLICT (bucket_ms) DO UPDATE SET spans = spans + excluded.spans`,
          bucketOf(now),
          batch.droppedSpans,
        );
      }
      sql.exec(
        `INSERT INTO edgent_metric_reports (session, through_id, updated_ms) VALUES (?, ?, ?)
         ON CONFLICT (session) DO UPDATE SET through_id = MAX(through_id, excluded.through_id), updated_ms = excluded.updated_ms`,
        batch.sessionId,
        batch.throughId,
        now,
      );
      sql.exec("DELETE FROM edgent_metric_buckets WHERE bucket_ms < ?", now - KEEP_MS);
      sql.exec("DELETE FROM edgent_metric_drops WHERE bucket_ms < ?", now - KEEP_MS);
      sql.exec("DELETE FROM edgent_metric_reports WHERE updated_ms < ?", now - FORGET_SESSIONS_MS);
    });
  }

  async query(tenant: string, window: MetricWindow): Promise<{ response: MetricsResponse; lines: MetricLine[] }> {
    const sql = this.ctx.storage.sql;
    const to = Date.now();
    // whole buckets: the window starts at the start of the bucket it begins in
    const from = bucketOf(to - METRIC_WINDOWS[window]);
    const lines = sql
      .exec<{ bucket_ms: number; agent: string; model: string; counts: string }>(
        "SELECT * FROM edgent_metric_buckets WHERE bucket_ms >= ?",
        from,
      )
      .toArray()
      .map((row) => ({
        bucketMs: Number(row.bucket_ms),
        agent: String(row.agent),
        model: String(row.model),
        counts: JSON.parse(String(row.counts)) as MetricCounts,
      }));
    const dropped = Number(
      sql
        .exec<{ spans: number | null }>(
          "SELECT SUM(spans) AS spans FROM edgent_metric_drops WHERE bucket_ms >= ?",
          from,
        )
        .one().spans ?? 0,
    );
    const overall = groupLines(lines, () => "").get("");
    const named = <K extends "agent" | "model">(key: K) =>
      [...groupLines(lines, (line) => line[key])]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(
          ([name, counts]) => ({ [key]: name, ...statsOf(counts) }) as ReturnType<typeof statsOf> & Record<K, string>,
        );
    const response: MetricsResponse = {
      tenant,
      window,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bucketSeconds: METRIC_BUCKET_MS / 1000,
      overall: statsOf(overall ?? emptyCounts()),
      byAgent: named("agent"),
      byModel: named("model"),
      traceExport: { droppedSpans: dropped },
    };
    return { response, lines };
  }

  private add(line: MetricLine): void {
    const sql = this.ctx.storage.sql;
    const bucket = bucketOf(line.bucketMs);
    const row = sql
      .exec<{ counts: string }>(
        "SELECT counts FROM edgent_metric_buckets WHERE bucket_ms = ? AND agent = ? AND model = ?",
        bucket,
        line.agent,
        line.model,
      )
      .toArray()[0];
    const counts = row ? mergeCounts(JSON.parse(String(row.counts)) as MetricCounts, line.counts) : line.counts;
    sql.exec(
      "INSERT OR REPLACE INTO edgent_metric_buckets (bucket_ms, agent, model, counts) VALUES (?, ?, ?, ?)",
      bucket,
      line.agent,
      line.model,
      JSON.stringify(counts),
    );
  }
}

function bucketOf(ms: number): number {
  return Math.floor(ms / METRIC_BUCKET_MS) * METRIC_BUCKET_MS;
}
