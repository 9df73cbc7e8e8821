import type { ApprovalStatus, ApprovalView } from "../../../shared/contracts/approval";
import type { ApprovalStamp, Decider } from "../../../shared/contracts/message";
import type { Row } from "../storage/rows";

/** An approval as the session keeps it. */
export interface ApprovalRow extends ApprovalView {
  /** the arguments to run the call with; kept only while it waits (raised here only) */
  runArgs?: unknown;
  /** the task of this session it came up through (relayed from a sub-agent) */
  taskId?: string;
  /** expiry, epoch ms */
  expiresAtMs: number;
  /** its parent has it (a sub-agent's approval) */
  relayed: boolean;
  /** the waiting turn has taken its decision */
  resolved: boolean;
}

/** A new approval, raised here or relayed from a sub-agent. */
export type NewApproval = Pick<
  ApprovalRow,
  "approvalId" | "turnId" | "sessionId" | "agent" | "tool" | "toolCallId" | "args" | "reason" | "expiresAtMs"
> & { runArgs?: unknown; taskId?: string; requestedAt?: string };

/** Decided, expired or cancelled. */
export function isSettled(status: ApprovalStatus): boolean {
  return status !== "pending";
}

/**
 * The approvals of a session: the tool calls its turns held for a person's decision, and those
 * its sub-agents raised, relayed up to it. Each is decided once.
 */
export class ApprovalBook {
  constructor(private readonly sql: SqlStorage) {}

  add(approval: NewApproval): ApprovalRow {
    const requestedAt = approval.requestedAt ?? new Date().toISOString();
    this.sql.exec(
      `INSERT OR IGNORE INTO edgent_approvals (id, turn_id, call_id, tool, run_args, shown_args, reason, agent, origin_session,
       task_id, status, requested_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      approval.approvalId,
      approval.turnId,
      approval.toolCallId,
      approval.tool,
      approval.runArgs === undefined ? null : JSON.stringify(approval.runArgs),
      JSON.stringify(approval.args ?? null),
      approval.reason,
      approval.agent,
      approval.sessionId,
      approval.taskId ?? null,
      requestedAt,
      approval.expiresAtMs,
    );
    return this.get(approval.approvalId) as ApprovalRow;
  }

  get(approvalId: string): ApprovalRow | null {
    return this.rows("SELECT * FROM edgent_approvals WHERE id = ?", approvalId)[0] ?? null;
  }

  /** The session's approvals, oldest first: pending ones, or all. */
  list(status: "pending" | "all", limit: number): ApprovalRow[] {
    return status === "pending"
      ? this.rows("SELECT * FROM edgent_approvals WHERE status = 'pending' ORDER BY requested_at, rowid LIMIT ?", limit)
      : this.rows("SELECT * FROM edgent_approvals ORDER BY requested_at, rowid LIMIT ?", limit);
  }

  /** The turn's approvals: pending ones, or those not yet handed to it. */
  forTurn(turnId: string, which: "pending" | "unresolved"): ApprovalRow[] {
    return which === "pending"
      ? this.rows("SELECT * FROM edgent_approvals WHERE turn_id = ? AND status = 'pending' ORDER BY rowid", turnId)
      : this.rows("SELECT * FROM edgent_approvals WHERE turn_id = ? AND resolved = 0 ORDER BY rowid", turnId);
  }

  /** Whether a call raised here for the turn still waits for its decision. */
  outstanding(turnId: string): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM edgent_approvals WHERE turn_id = ? AND status = 'pending' AND task_id IS NULL LIMIT 1",
          turnId,
        )
        .toArray().length > 0
    );
  }

  /** Records the decision once; false if it had one already. The arguments to run with are kept until it runs. */
  settle(approvalId: string, status: Exclude<ApprovalStatus, "pending">, by: Decider, reason?: string): boolean {
    const cursor = this.sql.exec(
      `UPDATE edgent_approvals SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?
       WHERE id = ? AND status = 'pending'`,
      status,
      new Date().toISOString(),
      JSON.stringify(by),
      reason ?? null,
      approvalId,
    );
    return cursor.rowsWritten > 0;
  }

  /** Mirrors a relayed approval's state from the sub-agent that raised it. */
  mirror(approval: ApprovalView): void {
    this.sql.exec(
      `UPDATE edgent_approvals SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ? WHERE id = ? AND status = 'pending'`,
      approval.status,
      approval.decidedAt ?? null,
      approval.decidedBy ? JSON.stringify(approval.decidedBy) : null,
      approval.decisionReason ?? null,
      approval.approvalId,
    );
  }

  markRelayed(approvalId: string): void {
    this.sql.exec("UPDATE edgent_approvals SET relayed = 1 WHERE id = ?", approvalId);
  }

  /** The parent no longer has the latest state (it changed). */
  unmarkRelayed(approvalId: string): void {
    this.sql.exec("UPDATE edgent_approvals SET relayed = 0 WHERE id = ?", approvalId);
  }

  /** The turn has taken the decisions: the arguments to run with are dropped. */
  markResolved(approvalIds: readonly string[]): void {
    for (const id of approvalIds) {
      this.sql.exec("UPDATE edgent_approvals SET resolved = 1, run_args = NULL WHERE id = ?", id);
    }
  }

  /** Approvals raised here whose parent has not been told (a sub-agent's). */
  unrelayed(): ApprovalRow[] {
    return this.rows("SELECT * FROM edgent_approvals WHERE relayed = 0 AND task_id IS NULL ORDER BY rowid");
  }

  private rows(query: string, ...params: SqlStorageValue[]): ApprovalRow[] {
    return this.sql
      .exec<Row>(query, ...params)
      .toArray()
      .map(toApproval);
  }
}

/** What a client sees of an approval. */
export function toView(row: ApprovalRow): ApprovalView {
  const { runArgs: _r, taskId: _t, expiresAtMs: _e, relayed: _l, resolved: _s, ...view } = row;
  return view;
}

/** The decision on a settled approval, as the tool message answering its call records it. */
export function stampOf(row: ApprovalRow): ApprovalStamp {
  return {
    approvalId: row.approvalId,
    status: row.status === "pending" ? "cancelled" : row.status,
    decidedBy: row.decidedBy ?? { tenant: "", label: "system" },
    decidedAt: row.decidedAt ?? new Date().toISOString(),
    ...(row.decisionReason ? { reason: row.decisionReason } : {}),
  };
}

function toApproval(row: Row): ApprovalRow {
  return {
    approvalId: String(row.id),
    turnId: String(row.turn_id),
    sessionId: String(row.origin_session),
    agent: String(row.agent),
    tool: String(row.tool),
    toolCallId: String(row.call_id),
    args: JSON.parse(String(row.shown_args)) as unknown,
    reason: String(row.reason),
    status: String(row.status) as ApprovalStatus,
    requestedAt: String(row.requested_at),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
    expiresAtMs: Number(row.expires_at),
    ...(row.run_args !== null ? { runArgs: JSON.parse(String(row.run_args)) as unknown } : {}),
    ...(row.task_id !== null ? { taskId: String(row.task_id) } : {}),
    ...(row.decided_at !== null ? { decidedAt: String(row.decided_at) } : {}),
    ...(row.decided_by !== null ? { decidedBy: JSON.parse(String(row.decided_by)) as Decider } : {}),
    ...(row.decision_reason !== null ? { decisionReason: String(row.decision_reason) } : {}),
    relayed: Number(row.relayed) === 1,
    resolved: Number(row.resolved) === 1,
  };
}
