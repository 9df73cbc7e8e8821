import type { TaskMessage, TaskReport, TaskStatus, TaskView } from "../../../shared/contracts/task";
import { formatTraceparent, parseTraceparent, taskSpanId } from "../../../shared/tracing/trace-context";
import type { TaskRecord } from "../../rpc";
import type { Row } from "../storage/rows";

/** A task as the parent session keeps it: what a client sees, and where it sits and stands. */
export interface TaskRow extends TaskView {
  /** the `delegate` call it answers */
  callId: string;
  depth: number;
  chain: string[];
  traceId: string;
  /** W3C trace context of the `delegate` call that asked for the task */
  traceparent?: string;
  deadline: number;
  sent: boolean;
  /** when the task was handed to its transport (epoch ms) */
  sentAt?: number;
  /** the waiting turn has taken its outcome */
  resolved: boolean;
}

/** A new task, before it is dispatched. */
export type NewTask = Pick<
  TaskRow,
  | "taskId"
  | "turnId"
  | "callId"
  | "agent"
  | "input"
  | "depth"
  | "chain"
  | "traceId"
  | "traceparent"
  | "deadline"
  | "fallbackFor"
>;

const TERMINAL: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "timed_out"]);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The tasks a session's turns delegated: one row per task, settled once. A result that
 * arrives again (a redelivered message, a late report after a timeout) changes nothing.
 */
export class TaskBook {
  constructor(private readonly sql: SqlStorage) {}

  add(task: NewTask): void {
    this.sql.exec(
      `INSERT INTO edgent_tasks (id, turn_id, call_id, agent, input, status, depth, chain, trace_id, traceparent, deadline, fallback_for, created_at)
       VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
      task.taskId,
      task.turnId,
      task.callId,
      task.agent,
      task.input,
      task.depth,
      JSON.stringify(task.chain),
      task.traceId,
      task.traceparent ?? null,
      task.deadline,
      task.fallbackFor ?? null,
      new Date().toISOString(),
    );
  }

  get(taskId: string): TaskRow | null {
    return this.rows("SELECT * FROM edgent_tasks WHERE id = ?", taskId)[0] ?? null;
  }

  /** Every task of the session, oldest first. */
  list(limit: number): TaskRow[] {
    return this.rows("SELECT * FROM edgent_tasks ORDER BY created_at, rowid LIMIT ?", limit);
  }

  countForTurn(turnId: string): number {
    return Number(
      this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM edgent_tasks WHERE turn_id = ?", turnId).one().n,
    );
  }

  /** Tasks of the turn not yet handed to the transport. */
  unsent(turnId: string): TaskRow[] {
    return this.rows(
      "SELECT * FROM edgent_tasks WHERE turn_id = ? AND sent = 0 AND resolved = 0 ORDER BY rowid",
      turnId,
    );
  }

  markSent(taskIds: readonly string[]): void {
    const now = Date.now();
    for (const id of taskIds) this.sql.exec("UPDATE edgent_tasks SET sent = 1, sent_at = ? WHERE id = ?", now, id);
  }

  /** Every task of a turn, fallbacks included, oldest first. */
  forTurn(turnId: string): TaskRow[] {
    return this.rows("SELECT * FROM edgent_tasks WHERE turn_id = ? ORDER BY rowid", turnId);
  }

  /** The W3C trace context a turn's tasks were sent with (a waiting turn goes on in the same trace). */
  traceparentOf(turnId: string): string | null {
    const row = this.sql
      .exec<{ traceparent: string | null }>(
        "SELECT traceparent FROM edgent_tasks WHERE turn_id = ? AND traceparent IS NOT NULL LIMIT 1",
        turnId,
      )
      .toArray()[0];
    return row?.traceparent ?? null;
  }

  /** A sub-agent starts an attempt; false (and nothing changes) once the task is over or no longer awaited. */
  progress(taskId: string, attempts: number): boolean {
    const cursor = this.sql.exec(
      `UPDATE edgent_tasks SET status = 'running', attempts = MAX(attempts, ?)
       WHERE id = ? AND resolved = 0 AND status IN ('queued', 'running')`,
      attempts,
      taskId,
    );
    return cursor.rowsWritten > 0;
  }

  /** Records a task's outcome once; false if it had one already (or is unknown). */
  settle(report: TaskReport): boolean {
    const cursor = this.sql.exec(
      `UPDATE edgent_tasks SET status = ?, attempts = MAX(attempts, ?), result = ?, error = ?, completed_at = ?
       WHERE id = ? AND status IN ('queued', 'running')`,
      report.status,
      report.attempts,
      report.status === "completed" ? report.result : null,
      report.status === "completed" ? null : report.error,
      new Date().toISOString(),
      report.taskId,
    );
    return cursor.rowsWritten > 0;
  }

  /** Tasks past their deadline without an outcome, of a turn still waiting for them. */
  overdue(turnId: string, now: number): TaskRow[] {
    return this.rows(
      "SELECT * FROM edgent_tasks WHERE turn_id = ? AND resolved = 0 AND status IN ('queued', 'running') AND deadline <= ?",
      turnId,
      now,
    );
  }

  /** Whether the turn still waits for a task's outcome. */
  outstanding(turnId: string): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM edgent_tasks WHERE turn_id = ? AND resolved = 0 AND status IN ('queued', 'running') LIMIT 1",
          turnId,
        )
        .toArray().length > 0
    );
  }

  /** Settled tasks whose results the turn's model has not seen yet. */
  unresolved(turnId: string): TaskRow[] {
    return this.rows("SELECT * FROM edgent_tasks WHERE turn_id = ? AND resolved = 0 ORDER BY rowid", turnId);
  }

  markResolved(taskIds: readonly string[]): void {
    for (const id of taskIds) this.sql.exec("UPDATE edgent_tasks SET resolved = 1 WHERE id = ?", id);
  }

  private rows(query: string, ...params: SqlStorageValue[]): TaskRow[] {
    return this.sql
      .exec<Row>(query, ...params)
      .toArray()
      .map(toTask);
  }

  /** The earliest deadline among the turn's outstanding tasks. */
  nextDeadline(turnId: string): number | null {
    const row = this.sql
      .exec<{ deadline: number | null }>(
        "SELECT MIN(deadline) AS deadline FROM edgent_tasks WHERE turn_id = ? AND resolved = 0 AND status IN ('queued', 'running')",
        turnId,
      )
      .one();
    return row.deadline === null ? null : Number(row.deadline);
  }
}

/** The queue message that carries a task to its sub-agent, in the trace of the task's span. */
export function toTaskMessage(task: TaskRow, tenant: string, parentSessionId: string): TaskMessage {
  const context = parseTraceparent(task.traceparent);
  return {
    taskId: task.taskId,
    tenant,
    parentSessionId,
    parentTurnId: task.turnId,
    agent: task.agent,
    input: task.input,
    depth: task.depth,
    chain: task.chain,
    deadline: task.deadline,
    traceId: task.traceId,
    attempt: 1,
    ...(context
      ? {
          traceparent: formatTraceparent({
            traceId: context.traceId,
            spanId: taskSpanId(task.taskId),
            sampled: context.sampled,
          }),
        }
      : {}),
  };
}

/** What a client sees of a task in a list. */
export function toView(task: TaskRow): TaskView {
  const {
    callId: _c,
    depth: _d,
    chain: _ch,
    traceId: _t,
    traceparent: _tp,
    deadline: _dl,
    sent: _s,
    sentAt: _sa,
    resolved: _r,
    ...view
  } = task;
  return view;
}

/** What a client sees of one task, before the sub-agent's messages are added. */
export function toRecord(task: TaskRow): TaskRecord {
  const context = parseTraceparent(task.traceparent);
  return {
    ...toView(task),
    depth: task.depth,
    traceId: task.traceId,
    ...(context ? { trace: { traceId: context.traceId, spanId: taskSpanId(task.taskId) } } : {}),
  };
}

function toTask(row: Row): TaskRow {
  return {
    taskId: String(row.id),
    turnId: String(row.turn_id),
    callId: String(row.call_id),
    agent: String(row.agent),
    input: String(row.input),
    status: String(row.status) as TaskStatus,
    attempts: Number(row.attempts),
    ...(row.result !== null ? { result: String(row.result) } : {}),
    ...(row.error !== null ? { error: String(row.error) } : {}),
    ...(row.fallback_for !== null ? { fallbackFor: String(row.fallback_for) } : {}),
    depth: Number(row.depth),
    chain: JSON.parse(String(row.chain)) as string[],
    traceId: String(row.trace_id),
    ...(row.traceparent ? { traceparent: String(row.traceparent) } : {}),
    deadline: Number(row.deadline),
    sent: Number(row.sent) === 1,
    ...(row.sent_at !== null && row.sent_at !== undefined ? { sentAt: Number(row.sent_at) } : {}),
    resolved: Number(row.resolved) === 1,
    createdAt: String(row.created_at),
    ...(row.completed_at !== null ? { completedAt: String(row.completed_at) } : {}),
  };
}
