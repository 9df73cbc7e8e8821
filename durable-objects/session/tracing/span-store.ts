import type { SpanData } from "../../../shared/contracts/trace";
import { decideRetention, type RetentionLimits } from "../../../shared/tracing/retention";

/** Where a batch of spans belongs: a turn (its spans are read and pruned together) or a task delivery. */
export interface SpanGroup {
  turnId?: string;
  /** when the turn (or delivery) started: retention removes whole groups, oldest first */
  startMs: number;
}

/**
 * A session's spans in its own SQLite, erased with it. A turn's spans are written in one
 * statement when it ends (or waits); the table is kept within the retention limits by count
 * and age, pruning whole turns when spans are written and when the session's report job runs
 * after its turns, and reads never return a turn past the age limit. An idle session is not
 * woken just to delete spans that no read will return (it keeps its messages anyway).
 */
export class SpanStore {
  // known after the first write or prune; an over-count only makes pruning come sooner
  private count: number | undefined;
  private oldest: number | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: RetentionLimits,
  ) {}

  /** Writes (or replaces, by span id) a group's spans in one statement, then prunes if due. */
  write(spans: readonly SpanData[], group: SpanGroup): void {
    if (spans.length === 0) return;
    const groupMs = Math.floor(group.startMs);
    this.load();
    this.sql.exec(
      `INSERT OR REPLACE INTO edgent_spans (span_id, trace_id, turn_id, group_ms, data)
       SELECT json_extract(value, '$.spanId'), json_extract(value, '$.traceId'), ?, ?, json(value) FROM json_each(?)`,
      group.turnId ?? null,
      groupMs,
      JSON.stringify(spans),
    );
    this.count = (this.count ?? 0) + spans.length;
    this.oldest = Math.min(this.oldest ?? groupMs, groupMs);
    this.prune(Date.now());
  }

  /** A turn's spans (its gateway and task spans included), while retained. */
  turnSpans(turnId: string): SpanData[] {
    return this.read(
      "SELECT data FROM edgent_spans WHERE turn_id = ? AND group_ms >= ? ORDER BY rowid",
      turnId,
      this.cutoff(),
    );
  }

  /** Every retained span of a trace in this object (a sub-agent's object serves one task's trace). */
  traceSpans(traceId: string): SpanData[] {
    return this.read(
      "SELECT data FROM edgent_spans WHERE trace_id = ? AND group_ms >= ? ORDER BY rowid",
      traceId,
      this.cutoff(),
    );
  }

  /** One span, open or not (a waiting turn's own span, to go on with). */
  span(spanId: string): SpanData | null {
    return this.read("SELECT data FROM edgent_spans WHERE span_id = ?", spanId)[0] ?? null;
  }

  /** The trace ids of turns whose spans are retained. */
  traceIds(turnIds: readonly string[]): Map<string, string> {
    const rows = this.sql
      .exec<{ turn_id: string; trace_id: string }>(
        `SELECT turn_id, MIN(trace_id) AS trace_id FROM edgent_spans
         WHERE turn_id IN (SELECT value FROM json_each(?)) AND group_ms >= ? GROUP BY turn_id`,
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
          "SELECT group_ms FROM edgent_spans ORDER BY group_ms DESC LIMIT 1 OFFSET ?",
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
      .exec<{ n: number; oldest: number | null }>("SELECT COUNT(*) AS n, MIN(group_ms) AS oldest FROM edgent_spans")
      .one();
    this.count = Number(row.n);
    this.oldest = row.oldest === null ? null : Number(row.oldest);
  }

  private cutoff(): number {
    return Date.now() - this.limits.maxAgeMs;
  }

  private read(query: string, ...params: SqlStorageValue[]): SpanData[] {
    return this.sql
      .exec<{ data: string }>(query, ...params)
      .toArray()
      .map((row) => JSON.parse(String(row.data)) as SpanData);
  }
}
