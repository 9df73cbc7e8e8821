import type { UsageReport } from "../../../shared/contracts/gateway";
import type { ModelCatalog } from "../../../shared/models/pricing";
import { addUsage, NO_USAGE, type Row, type UsageNanos } from "./rows";
import type { SessionStore } from "./session-store";

/** Why a model was called. */
export type CallPurpose = "turn" | "compaction" | "repair";

/** One model call, recorded for usage accounting; its cost comes from the ledger's catalog. */
export interface ModelCallRecord {
  turnId: string;
  purpose: CallPurpose;
  model: string;
  tier: "local" | "central";
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  finishReason?: string;
}

/** How a turn ended, as recorded. */
export interface TurnEnd {
  status: "completed" | "failed" | "cancelled" | "input_required" | "blocked";
  steps: number;
  answeredBy?: string;
  escalation?: string;
  error?: { code: string; message: string };
}

/** How a turn waits: for its sub-agents' tasks, or for a person's decision on a tool call. */
export type WaitStatus = "waiting" | "awaiting_approval";

/** How a turn a restart cut off ends: its messages so far stay stored; it does not go on. */
export const RESTARTED = {
  code: "session_unavailable" as const,
  message: "the turn was interrupted by a restart of its session; what it stored so far is in history",
};

/**
 * A session's turns and model calls: every call with its tier, tokens, latency and cost,
 * priced here and nowhere else. A turn's totals are kept in memory while it runs and
 * written once, when it ends (or starts to wait).
 */
export class TurnLedger {
  private readonly running = new Map<string, UsageNanos>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly store: SessionStore,
    private readonly catalog: ModelCatalog,
  ) {}

  /** The context window of a model, from the catalog. */
  contextWindow(model: string): number {
    return this.catalog.spec(model).contextWindow;
  }

  start(turnId: string, model: string): void {
    this.sql.exec(
      "INSERT INTO edgent_turns (id, status, model, started_at) VALUES (?, 'running', ?, ?)",
      turnId,
      model,
      new Date().toISOString(),
    );
  }

  /** Records a model call, priced, and adds it to the turn's and the session's totals; returns its cost. */
  recordCall(call: ModelCallRecord): number {
    const costNanos = this.catalog.costNanos(call.model, call.inputTokens, call.outputTokens);
    this.sql.exec(
      `INSERT INTO edgent_model_calls (turn_id, purpose, model, tier, input_tokens, output_tokens, cost_nanos, latency_ms, finish_reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      call.turnId,
      call.purpose,
      call.model,
      call.tier,
      call.inputTokens,
      call.outputTokens,
      costNanos,
      call.latencyMs,
      call.finishReason ?? null,
      new Date().toISOString(),
    );
    const usage = {
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      modelCalls: 1,
      costNanos,
    };
    this.running.set(call.turnId, addUsage(this.running.get(call.turnId) ?? NO_USAGE, usage));
    this.store.addUsage(usage);
    return costNanos;
  }

  /** Records how a turn ended and returns its usage. A failed turn's messages leave the model's context. */
  end(turnId: string, end: TurnEnd): UsageNanos {
    const usage = this.running.get(turnId) ?? NO_USAGE;
    this.running.delete(turnId);
    this.sql.exec(
      `UPDATE edgent_turns SET status = ?, steps = ?, input_tokens = ?, output_tokens = ?, model_calls = ?, cost_nanos = ?,
       answered_by = ?, escalation = ?, error_code = ?, error_message = ?, finished_at = ? WHERE id = ?`,
      end.status,
      end.steps,
      usage.inputTokens,
      usage.outputTokens,
      usage.modelCalls,
      usage.costNanos,
      end.answeredBy ?? null,
      end.escalation ?? null,
      end.error?.code ?? null,
      end.error?.message ?? null,
      new Date().toISOString(),
      turnId,
    );
    // a blocked turn's message and output stay in history but never reach a model again
    if (end.status === "failed" || end.status === "blocked") this.store.excludeTurn(turnId);
    return usage;
  }

  /**
   * Records that a turn waits for its sub-agents (`waiting`) or for a person's decision on a
   * tool call (`awaiting_approval`): its totals so far are written, so the turn can go on in a
   * later life of the object.
   */
  wait(turnId: string, steps: number, firstSeq: number, status: WaitStatus = "waiting"): UsageNanos {
    const usage = this.running.get(turnId) ?? NO_USAGE;
    this.running.delete(turnId);
    this.sql.exec(
      `UPDATE edgent_turns SET status = ?, steps = ?, input_tokens = ?, output_tokens = ?, model_calls = ?,
       cost_nanos = ?, first_seq = ? WHERE id = ?`,
      status,
      steps,
      usage.inputTokens,
      usage.outputTokens,
      usage.modelCalls,
      usage.costNanos,
      firstSeq,
      turnId,
    );
    return usage;
  }

  /** Takes a waiting turn up again: its steps so far and the seq of its user message, or null. */
  resume(turnId: string): { steps: number; firstSeq: number } | null {
    const row = this.sql
      .exec<Row>("SELECT * FROM edgent_turns WHERE id = ? AND status IN ('waiting', 'awaiting_approval')", turnId)
      .toArray()[0];
    if (!row) return null;
    this.sql.exec("UPDATE edgent_turns SET status = 'running' WHERE id = ?", turnId);
    this.running.set(turnId, usageOf(row));
    return { steps: Number(row.steps), firstSeq: Number(row.first_seq) };
  }

  /** The turn that waits for sub-agents or an approval, if any (turns run one at a time, so at most one). */
  waiting(): string | null {
    const row = this.sql
      .exec<Row>("SELECT id FROM edgent_turns WHERE status IN ('waiting', 'awaiting_approval') LIMIT 1")
      .toArray()[0];
    return row ? String(row.id) : null;
  }

  /** Local model usage not yet reported to the tenant's gateway, and the last call it covers. */
  unreportedLocal(agent: string): { reports: UsageReport[]; throughId: number } {
    const through =
      this.sql.exec<{ through_id: number }>("SELECT through_id FROM edgent_reporting WHERE id = 1").toArray()[0]
        ?.through_id ?? 0;
    const rows = this.sql
      .exec<Row>(
        `SELECT model, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_nanos) AS cost_nanos,
         COUNT(*) AS calls, MAX(id) AS last_id FROM edgent_model_calls WHERE id > ? AND tier = 'local' GROUP BY model`,
        through,
      )
      .toArray();
    const reports = rows.map((row) => ({
      model: String(row.model),
      agent,
      tier: "local" as const,
      calls: Number(row.calls),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costNanos: Number(row.cost_nanos),
    }));
    return { reports, throughId: Math.max(through, ...rows.map((row) => Number(row.last_id))) };
  }

  /** Remembers that usage up to this call reached the gateway. */
  markReported(throughId: number): void {
    this.sql.exec("INSERT OR REPLACE INTO edgent_reporting (id, through_id) VALUES (1, ?)", throughId);
  }

  exists(turnId: string): boolean {
    return this.statusOf(turnId) !== null;
  }

  /** A turn's status (`running`, `waiting`, `completed`, `failed`, ...), or null for no such turn. */
  statusOf(turnId: string): string | null {
    const row = this.sql.exec<Row>("SELECT status FROM edgent_turns WHERE id = ?", turnId).toArray()[0];
    return row ? String(row.status) : null;
  }

  /** Fails turns left running by an object that was evicted or crashed mid-turn. */
  failAbandoned(): Array<{ turnId: string; error: typeof RESTARTED }> {
    const abandoned = this.sql
      .exec<Row>(
        `SELECT t.id, COUNT(c.id) AS model_calls, COALESCE(SUM(c.input_tokens), 0) AS input_tokens,
         COALESCE(SUM(c.output_tokens), 0) AS output_tokens, COALESCE(SUM(c.cost_nanos), 0) AS cost_nanos
         FROM edgent_turns t LEFT JOIN edgent_model_calls c ON c.turn_id = t.id
         WHERE t.status = 'running' GROUP BY t.id`,
      )
      .toArray();
    for (const row of abandoned) {
      const turnId = String(row.id);
      this.running.set(turnId, usageOf(row));
      this.end(turnId, { status: "failed", steps: 0, error: RESTARTED });
    }
    return abandoned.map((row) => ({ turnId: String(row.id), error: RESTARTED }));
  }
}

/** A turn's totals from a row with its usage columns. */
function usageOf(row: Row): UsageNanos {
  return {
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    modelCalls: Number(row.model_calls),
    costNanos: Number(row.cost_nanos),
  };
}
