import type { SpanData } from "../../../shared/contracts/trace";
import { decideRetention, type RetentionLimits } from "../../../shared/tracing/retention";

/** Where a batch of spans belongs: a turn (its spans are one row) or a task delivery (a row of its own). */
export interface SpanGroup {
  turnId?: string;
  /** when the turn (or delivery) started: retention removes whole groups, oldest first */
  startMs: number;
}

/**
 * A session's spans in its own SQLite, erased with it: one row per turn (or task delivery)
 * holding its spans as a JSON array, so a turn costs one insert whatever its span count (a
 * waiting turn's row is rewritten when it ends). The table is kept within the retention
 * limits by count and age, whole turns at a time, when spans are written and when the
 * session's report job runs after its turns; reads never return a turn past the age limit.
 * An idle session is not woken just to delete spans no read will return (it keeps its
 * messages anyway).
 */
export class SpanStore {
  // known after the first write or prune; an over-count only makes pruning come sooner
  private count: number | undefined;
  private oldest: number | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: RetentionLimits,
  ) {}

  /** Writes a group's spans (replacing a turn's earlier row), then prunes if due. */
  write(spans: readonly SpanData[], group: SpanGroup): void {
    const first = spans[0];
    if (!first) return;
    const groupMs = Math.floor(group.startMs);
    this.load();
    const params = [first.traceId, groupMs, spans.length, JSON.stringify(spans)] as const;
    if (group.turnId === undefined) {
      this.sql.exec("INSERT INTO edgent_spans (trace_id, group_ms, spans, data) VALUES (?, ?, ?, ?)", ...params);
    } else {
      this.sql.exec(
        `INSERT INTO edgent_spans (turn_id, trace_id, group_ms, spans, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (turn_id) DO UPDATE SET trace_id = excluded.trace_id, group_ms = excluded.group_ms,
         spans = excluded.spans, data = excluded.data`,
        group.turnId,
        ...params,
      );
    }
    this.count = (this.count ?? 0) + spans.length;
    this.oldest = Math.min(this.oldest ?? groupMs, groupMs);
    this.prune(Date.now());
  }

  /** A turn's spans (its gateway and task spans included), while retained. */
  turnSpans(turnId: string): SpanData[] {
    return this.read("SELECT data FROM edgent_spans WHERE turn_id = ? AND group_ms >= ?", turnId, this.cutoff());
  }

  /** Every retained span of a trace in this object (a sub-agent's object serves one task's trace). */
  traceSpans(traceId: string): SpanData[] {
    return this.read(
      "SELECT data FROM edgent_spans WHERE trace_id = ? AND group_ms >= ? ORDER BY id",
      traceId,
      this.cutoff(),
    );
  }

  /** The trace ids of turns whose spans are retained. */
  traceIds(turnIds: readonly string[]): Map<string, string> {
    const rows = this.sql
      .exec<{ turn_id: string; trace_id: string }>(
        "SELECT turn_id, trace_id FROM edgent_spans WHERE turn_id IN (SELECT value FROM json_each(?)) AND group_ms >= ?",
        JSON.stringify(turnIds),
        this.cutoff(),
      )
      .toArray();
    return new Map(rows.map((row) => [String(row.turn_id), String(row.trace_id)]));
  }

  /** Removes what the retention limits no longer allow. */
  prune(now: number): void {
    this.load();
    const decision = decideRetention({ spans: this.count ?? 0, oldestGroupMs: this.oldest ?? null }, this.limits, now);
    if (!decision.prune) return;
    if (decision.beforeMs !== undefined)
      this.sql.exec("DELETE FROM edgent_spans WHERE group_ms < ?", decision.beforeMs);
    if (decision.keepSpans !== undefined) {
      // the newest groups that hold `keepSpans` spans stay; the group that crosses the line goes whole
      const cut = this.sql
        .exec<{ group_ms: number }>(
          `SELECT group_ms FROM (SELECT group_ms, SUM(spans) OVER (ORDER BY group_ms DESC, id DESC) AS kept
           FROM edgent_spans) WHERE kept > ? LIMIT 1`,
          decision.keepSpans,
        )
        .toArray()[0];
      if (cut) this.sql.exec("DELETE FROM edgent_spans WHERE group_ms <= ?", cut.group_ms);
    }
    this.count = undefined;
  }

  private load(): void {
    if (this.count !== undefined) return;
    const row = this.sql
      .exec<{ n: number | null; oldest: number | null }>(
        "SELECT SUM(spans) AS n, MIN(group_ms) AS oldest FROM edgent_spans",
      )
      .one();
    this.count = Number(row.n ?? 0);
    this.oldest = row.oldest === null ? null : Number(row.oldest);
  }

  private cutoff(): number {
    return Date.now() - this.limits.maxAgeMs;
  }

  private read(query: string, ...params: SqlStorageValue[]): SpanData[] {
    return this.sql
      .exec<{ data: string }>(query, ...params)
      .toArray()
      .flatMap((row) => JSON.parse(String(row.data)) as SpanData[]);
  }
}
