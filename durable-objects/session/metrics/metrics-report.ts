import { METRIC_BUCKET_MS, type MetricLine } from "../../../shared/contracts/metrics";
import { countTurn, emptyCounts } from "../../../shared/metrics/aggregate";
import type { MetricsApi } from "../../rpc";
import type { SessionMeta } from "../storage/rows";
import type { StoredFacts } from "./turn-facts";

/** Most finished turns one report carries; the rest go in the next. */
const MAX_BATCH = 1_000;

/**
 * Reports a session's finished turns to the tenant's metrics object in batches, at most one
 * per window, like its usage: turns pay nothing, the tenant's figures lag by seconds. The
 * range of a batch is stored before it is sent, so a batch re-sent after a failure is the
 * same batch, which the metrics object counts once.
 */
export class MetricsReport {
  private scheduled = false;

  constructor(
    private readonly sql: SqlStorage,
    /** asks the session to call `send` in a few seconds (durably) */
    private readonly schedule: () => Promise<unknown>,
    /** spans of the tenant dropped on export since they were last taken (put back if the report fails) */
    private readonly dropped: {
      take(tenant: string): number;
      restore(tenant: string, count: number): void;
      untakenOf(tenant: string): number;
    } | null,
  ) {}

  /** A turn ended: make sure a report will go. */
  due(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule().catch(() => {
      this.scheduled = false;
    });
  }

  /** Sends the finished turns not reported yet (the scheduled job). */
  async send(meta: SessionMeta | null, metrics: (tenant: string) => MetricsApi): Promise<void> {
    let more = false;
    try {
      if (meta) more = await this.sendBatch(meta, metrics);
    } finally {
      // turns that ended while this ran (or a batch that failed, or new drops) go in the next report
      this.scheduled = false;
      const drops = meta ? (this.dropped?.untakenOf(meta.tenant) ?? 0) : 0;
      if (meta && (more || drops > 0 || this.cursor().pending !== null)) this.due();
    }
  }

  /**
   * Sends every finished turn not reported yet, batch after batch, before the session is
   * erased (its turns would be lost with its storage); throws if a batch cannot be sent.
   */
  async flush(meta: SessionMeta, metrics: (tenant: string) => MetricsApi): Promise<void> {
    let more = true;
    while (more) more = await this.sendBatch(meta, metrics);
  }

  /** Sends one batch (or the export's drops); true if more finished turns wait. */
  private async sendBatch(meta: SessionMeta, metrics: (tenant: string) => MetricsApi): Promise<boolean> {
    const cursor = this.cursor();
    const through = cursor.pending ?? this.nextThrough(cursor.through);
    if (through === null) {
      await this.sendDrops(meta, metrics);
      return false;
    }
    if (cursor.pending === null) {
      this.sql.exec(
        "INSERT OR REPLACE INTO edgent_metrics_cursor (id, through_id, pending_through) VALUES (1, ?, ?)",
        cursor.through,
        through,
      );
    }
    const rows = this.sql
      .exec<{ facts: string }>(
        "SELECT facts FROM edgent_turn_metrics WHERE id > ? AND id <= ? AND status != 'waiting'",
        cursor.through,
        through,
      )
      .toArray()
      .map((row) => JSON.parse(String(row.facts)) as StoredFacts);
    const droppedSpans = this.dropped?.take(meta.tenant) ?? 0;
    try {
      await metrics(meta.tenant).report({
        sessionId: meta.sessionId,
        fromId: cursor.through,
        throughId: through,
        lines: linesOf(rows),
        droppedSpans,
      });
    } catch (error) {
      this.dropped?.restore(meta.tenant, droppedSpans);
      throw error;
    }
    this.sql.exec("DELETE FROM edgent_turn_metrics WHERE id <= ? AND status != 'waiting'", through);
    this.sql.exec(
      "INSERT OR REPLACE INTO edgent_metrics_cursor (id, through_id, pending_through) VALUES (1, ?, NULL)",
      through,
    );
    return this.nextThrough(through) !== null;
  }

  /** With no turns to report, the export's drops still reach the tenant's figures. */
  private async sendDrops(meta: SessionMeta, metrics: (tenant: string) => MetricsApi): Promise<void> {
    const droppedSpans = this.dropped?.take(meta.tenant) ?? 0;
    if (droppedSpans === 0) return;
    const through = this.cursor().through;
    try {
      await metrics(meta.tenant).report({
        sessionId: meta.sessionId,
        fromId: through,
        throughId: through,
        lines: [],
        droppedSpans,
      });
    } catch (error) {
      this.dropped?.restore(meta.tenant, droppedSpans);
      throw error;
    }
  }

  private cursor(): { through: number; pending: number | null } {
    const row = this.sql
      .exec<{ through_id: number; pending_through: number | null }>(
        "SELECT through_id, pending_through FROM edgent_metrics_cursor WHERE id = 1",
      )
      .toArray()[0];
    return {
      through: Number(row?.through_id ?? 0),
      pending: row?.pending_through === null || row?.pending_through === undefined ? null : Number(row.pending_through),
    };
  }

  /** The id the next batch goes up to, or null when no finished turn waits to be reported. */
  private nextThrough(after: number): number | null {
    const row = this.sql
      .exec<{ last: number | null }>(
        `SELECT MAX(id) AS last FROM (SELECT id FROM edgent_turn_metrics WHERE id > ? AND status != 'waiting'
         ORDER BY id LIMIT ?)`,
        after,
        MAX_BATCH,
      )
      .one();
    return row.last === null ? null : Number(row.last);
  }
}

/** Finished turns as report lines: one per 5-minute bucket, agent and answering model. */
export function linesOf(rows: readonly StoredFacts[]): MetricLine[] {
  const lines = new Map<string, MetricLine>();
  for (const row of rows) {
    const bucketMs = Math.floor(row.endedMs / METRIC_BUCKET_MS) * METRIC_BUCKET_MS;
    const key = `${bucketMs}\u0000${row.agent}\u0000${row.model}`;
    let line = lines.get(key);
    if (!line) {
      line = { bucketMs, agent: row.agent, model: row.model, counts: emptyCounts() };
      lines.set(key, line);
    }
    countTurn(line.counts, row);
  }
  return [...lines.values()];
}
