import type { TurnSummary, TurnsPage } from "../../../shared/contracts/trace";
import type { ErrorCode } from "../../../shared/errors";
import { nanosToUsd } from "../../../shared/models/pricing";
import type { Row } from "./rows";

/**
 * A page of a session's turns, newest first, from its turn ledger: status, times, models
 * called, tokens, cost, escalation and error of each. `before` is the id of the last turn
 * of the previous page; null if no such turn exists.
 */
export function turnPage(
  sql: SqlStorage,
  limit: number,
  before: string | undefined,
  traceIds: (turnIds: readonly string[]) => Map<string, string>,
): TurnsPage | null {
  let rows: Row[];
  if (before === undefined) {
    rows = sql.exec<Row>("SELECT rowid AS r, * FROM edgent_turns ORDER BY rowid DESC LIMIT ?", limit + 1).toArray();
  } else {
    const cursor = sql.exec<Row>("SELECT rowid AS r FROM edgent_turns WHERE id = ?", before).toArray()[0];
    if (!cursor) return null;
    rows = sql
      .exec<Row>(
        "SELECT rowid AS r, * FROM edgent_turns WHERE rowid < ? ORDER BY rowid DESC LIMIT ?",
        cursor.r,
        limit + 1,
      )
      .toArray();
  }
  const page = rows.slice(0, limit);
  const ids = page.map((row) => String(row.id));
  const models = new Map<string, TurnSummary["models"]>();
  for (const row of sql
    .exec<Row>(
      `SELECT turn_id, model, tier, COUNT(*) AS calls FROM edgent_model_calls
       WHERE turn_id IN (SELECT value FROM json_each(?)) GROUP BY turn_id, model, tier ORDER BY MIN(id)`,
      JSON.stringify(ids),
    )
    .toArray()) {
    const list = models.get(String(row.turn_id)) ?? [];
    list.push({
      model: String(row.model),
      tier: row.tier === "central" ? "central" : "local",
      calls: Number(row.calls),
    });
    models.set(String(row.turn_id), list);
  }
  const traces = traceIds(ids);
  const turns = page.map((row) => summary(row, models.get(String(row.id)) ?? [], traces.get(String(row.id))));
  const last = turns.at(-1);
  return {
    turns,
    hasMore: rows.length > limit,
    ...(rows.length > limit && last ? { nextBefore: last.turnId } : {}),
  };
}

/** Statuses of a turn that has not ended. */
const UNENDED = new Set<TurnSummary["status"]>(["running", "waiting", "awaiting_approval"]);

function summary(row: Row, models: TurnSummary["models"], traceId: string | undefined): TurnSummary {
  const startedAt = String(row.started_at);
  const endedAt = row.finished_at === null ? undefined : String(row.finished_at);
  const status = String(row.status) as TurnSummary["status"];
  const escalation = row.escalation === null ? undefined : readEscalation(String(row.escalation));
  return {
    turnId: String(row.id),
    status,
    startedAt,
    // a waiting turn's end is not known yet
    ...(endedAt && !UNENDED.has(status) ? { endedAt, durationMs: Date.parse(endedAt) - Date.parse(startedAt) } : {}),
    models,
    ...(row.answered_by !== null ? { answeredBy: String(row.answered_by) } : {}),
    steps: Number(row.steps),
    modelCalls: Number(row.model_calls),
    tokens: { input: Number(row.input_tokens), output: Number(row.output_tokens) },
    costUsd: nanosToUsd(Number(row.cost_nanos ?? 0)),
    ...(escalation ? { escalation } : {}),
    ...(row.error_code !== null
      ? { error: { code: String(row.error_code) as ErrorCode, message: String(row.error_message ?? "") } }
      : {}),
    ...(traceId ? { traceId } : {}),
  };
}

function readEscalation(text: string): TurnSummary["escalation"] {
  try {
    const value = JSON.parse(text) as { signal?: unknown; reason?: unknown; refused?: unknown };
    if (typeof value.signal !== "string") return undefined;
    return {
      signal: value.signal,
      reason: String(value.reason ?? ""),
      ...(typeof value.refused === "string" ? { refused: value.refused } : {}),
    };
  } catch {
    return undefined;
  }
}
