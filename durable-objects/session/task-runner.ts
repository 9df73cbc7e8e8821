import type { TaskMessage, TaskReport } from "../../shared/contracts/task";
import type { DelegationScope } from "../../shared/delegation/policy";
import { log } from "../../shared/log";
import type { SendOutcome, Submission, TurnRequest } from "./conductor";
import type { SessionMeta, SessionStore } from "./store";
import { parentStub, reportToParent, taskSessionId } from "./task-client";

type Row = Record<string, SqlStorageValue>;

/** Where the task a sub-agent's session works on stands. */
type OriginStatus = "running" | "waiting" | "completed" | "failed" | "dead_lettered" | "timed_out" | "discarded";

/** The task a sub-agent's session was created for, and its latest attempt. */
interface Origin {
  task: TaskMessage;
  attempt: number;
  status: OriginStatus;
  turnId?: string;
  result?: string;
  error?: string;
}

/** How a delivery of a task was handled, for the queue consumer to ack or retry. */
export type TaskRunOutcome =
  /** the sub-agent answered and the parent has the result */
  | { status: "completed" }
  /** the sub-agent delegated in turn; it reports to the parent itself when done */
  | { status: "pending" }
  /** this delivery was already handled, or the task is over: nothing ran */
  | { status: "duplicate" }
  /** the task's deadline had passed: the parent was told it timed out */
  | { status: "expired" }
  /** the attempt failed: retry, or dead-letter once attempts run out */
  | { status: "failed"; error: string }
  /** the parent no longer wants the task (it was cancelled, timed out or erased): nothing ran */
  | { status: "discarded" }
  /** the message does not belong to this object */
  | { status: "rejected"; reason: string };

/** What the runner needs from its session object. */
export interface RunnerHost {
  env: Env;
  store: SessionStore;
  submit(meta: SessionMeta, request: TurnRequest): Submission;
  /** call `reportAgain` a little later: no queue delivery waits on this report to retry it */
  retryReport(): void;
}

/**
 * The sub-agent's side of a task: runs each attempt once however often it is delivered,
 * keeps the outcome, and reports it to the parent's object (again, if asked again).
 */
export class TaskRunner {
  private origin: Origin | null | undefined;
  // the attempt this object is running now; a 'running' row without one died with an earlier life
  private live: Promise<TaskRunOutcome> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: RunnerHost,
  ) {}

  /** Where this session sits in the delegation tree, if it works on a task. */
  scope(): (DelegationScope & { traceId: string }) | null {
    const origin = this.read();
    if (!origin) return null;
    return {
      depth: origin.task.depth,
      chain: [...origin.task.chain, origin.task.agent],
      traceId: origin.task.traceId,
    };
  }

  /** Runs one delivery of a task as attempt `attempt`. */
  async run(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    const { store } = this.host;
    const sessionId = taskSessionId(task.taskId);
    const meta = store.meta();
    if (meta && (meta.tenant !== task.tenant || meta.sessionId !== sessionId || meta.agent !== task.agent)) {
      return { status: "rejected", reason: "the task does not match this object's session" };
    }
    const origin = this.read();
    if (origin) {
      if (origin.status === "completed") {
        // the parent may not have got the result the first time: it ignores a second copy
        await this.reportFinal(origin);
        return this.logged(task, attempt, { status: "duplicate" });
      }
      if (origin.status === "dead_lettered" || origin.status === "timed_out" || origin.status === "discarded")
        return this.logged(task, attempt, { status: "duplicate" });
      // a waiting task resumes in this object when its own sub-agents answer
      if (origin.status === "waiting" || attempt < origin.attempt) {
        return this.logged(task, attempt, { status: "duplicate" });
      }
      if (origin.status === "running" && this.live) {
        if (attempt <= origin.attempt) return this.logged(task, attempt, { status: "duplicate" });
        // a retry while the attempt still runs (its delivery gave up): this delivery takes its outcome
        return this.live;
      }
      if (origin.status === "failed" && attempt === origin.attempt) {
        return { status: "failed", error: origin.error ?? "failed" };
      }
      // otherwise the row says running but the attempt died with the object: it left no outcome, run again
    }
    if (Date.now() > task.deadline) {
      this.write({ task, attempt, status: "timed_out", error: "the deadline passed before the task started" });
      await reportToParent(this.host.env, task, {
        taskId: task.taskId,
        status: "timed_out",
        error: "the deadline passed before the task started",
        attempts: attempt,
      });
      return this.logged(task, attempt, { status: "expired" });
    }

    // the attempt is claimed before anything is awaited: a concurrent copy of it is a duplicate
    this.write({ task, attempt, status: "running" });
    const run = this.attempt(task, attempt);
    this.live = run;
    try {
      return await run;
    } finally {
      if (this.live === run) this.live = null;
    }
  }

  private async attempt(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    const started = Date.now();
    // the parent marks the task running, or says it no longer wants it (its session was erased,
    // its turn cancelled, the task timed out): then no model runs and nothing more is stored
    const wanted = await parentStub(this.host.env, task).taskProgress(
      { tenant: task.tenant, sessionId: task.parentSessionId },
      task.taskId,
      attempt,
    );
    if (!wanted) {
      this.update({ status: "discarded" });
      log({ ...taskLog(task, attempt), status: "discarded" });
      return { status: "discarded" };
    }
    const { store } = this.host;
    if (!store.meta()) {
      store.create(task.tenant, taskSessionId(task.taskId), task.agent, new Date().toISOString(), "enqueue");
    }
    const meta = store.meta() as SessionMeta;
    log({ ...taskLog(task, attempt), status: "started" });
    const submission = this.host.submit(meta, { content: task.input, taskAttempt: attempt });
    if (submission.turnId) this.update({ turnId: submission.turnId });
    const first = await Promise.race([
      submission.outcome,
      (submission.waiting ?? new Promise<never>(() => undefined)).then(() => "waiting" as const),
    ]);
    if (first === "waiting") {
      this.update({ status: "waiting" });
      return this.logged(task, attempt, { status: "pending" });
    }
    return this.settle(first, Date.now() - started);
  }

  /** A turn that had waited for its own sub-agents has ended: its outcome is the task's. */
  async finished(turnId: string, outcome: SendOutcome): Promise<void> {
    const origin = this.read();
    if (!origin || origin.turnId !== turnId || origin.status !== "waiting") return;
    try {
      const settled = await this.settle(outcome, 0);
      // no queue delivery waits for this attempt, so no retry: the parent hears of the failure now
      if (settled.status === "failed") await this.deadLetter(origin.task);
    } catch {
      // the outcome is stored; the parent's object could not take it now
      this.host.retryReport();
    }
  }

  /** Reports a final outcome to the parent again, until it is taken (scheduled). */
  async reportAgain(): Promise<void> {
    const origin = this.read();
    if (!origin) return;
    try {
      await this.reportFinal(origin);
    } catch {
      this.host.retryReport();
    }
  }

  /** The task's attempts ran out: record it and tell the parent it failed. */
  async deadLetter(task: TaskMessage): Promise<void> {
    const origin = this.read();
    if (origin?.status === "timed_out" || origin?.status === "discarded") return;
    if (origin?.status !== "completed" && origin?.status !== "dead_lettered") {
      const attempts = origin?.attempt ?? 0;
      this.write({
        task,
        attempt: attempts,
        status: "dead_lettered",
        error: origin?.error ?? "the sub-agent could not be reached",
      });
      log({ ...taskLog(task, attempts), status: "dead_lettered" });
    }
    await this.reportFinal(this.read() as Origin);
  }

  private async settle(outcome: SendOutcome, durationMs: number): Promise<TaskRunOutcome> {
    const origin = this.read() as Origin;
    const { task, attempt } = origin;
    if (outcome.status === "completed") {
      const result = outcome.response.reply.content;
      this.update({ status: "completed", result });
      log({ ...taskLog(task, attempt), status: "completed", durationMs });
      await this.reportFinal(this.read() as Origin);
      return { status: "completed" };
    }
    const error = outcome.status === "failed" ? outcome.failure.message : `the turn did not run (${outcome.status})`;
    this.update({ status: "failed", error });
    log({
      ...taskLog(task, attempt),
      status: "failed",
      durationMs,
      ...(outcome.status === "failed" ? { errorCode: outcome.failure.code } : {}),
    });
    return { status: "failed", error };
  }

  /** Hands the parent the task's outcome, if it has a final one. */
  private async reportFinal(origin: Origin): Promise<void> {
    const report = finalReport(origin);
    if (report) await reportToParent(this.host.env, origin.task, report);
  }

  private logged(task: TaskMessage, attempt: number, outcome: TaskRunOutcome): TaskRunOutcome {
    if (outcome.status === "duplicate") log({ ...taskLog(task, attempt), status: "duplicate" });
    else if (outcome.status === "pending") log({ ...taskLog(task, attempt), status: "pending" });
    return outcome;
  }

  private read(): Origin | null {
    if (this.origin === undefined) {
      const row = this.sql.exec<Row>("SELECT * FROM edgent_task_origin WHERE id = 1").toArray()[0];
      this.origin = row
        ? {
            task: JSON.parse(String(row.task)) as TaskMessage,
            attempt: Number(row.attempt),
            status: String(row.status) as OriginStatus,
            ...(row.turn_id !== null ? { turnId: String(row.turn_id) } : {}),
            ...(row.result !== null ? { result: String(row.result) } : {}),
            ...(row.error !== null ? { error: String(row.error) } : {}),
          }
        : null;
    }
    return this.origin;
  }

  private write(origin: Origin): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO edgent_task_origin (id, task, attempt, status, turn_id, result, error) VALUES (1, ?, ?, ?, ?, ?, ?)`,
      JSON.stringify(origin.task),
      origin.attempt,
      origin.status,
      origin.turnId ?? null,
      origin.result ?? null,
      origin.error ?? null,
    );
    this.origin = origin;
  }

  private update(change: Partial<Pick<Origin, "status" | "turnId" | "result" | "error">>): void {
    const origin = this.read();
    if (origin) this.write({ ...origin, ...change });
  }
}

/** What the parent is told of a task that is over; null while it is not. */
function finalReport(origin: Origin): TaskReport | null {
  const { task, attempt: attempts } = origin;
  switch (origin.status) {
    case "completed":
      return { taskId: task.taskId, status: "completed", result: origin.result ?? "", attempts };
    case "dead_lettered":
    case "failed":
      return {
        taskId: task.taskId,
        status: "failed",
        error: `gave up after ${attempts} attempt(s): ${origin.error ?? "failed"}`,
        attempts,
      };
    default:
      return null;
  }
}

function taskLog(task: TaskMessage, attempt: number) {
  return {
    event: "task" as const,
    tenant: task.tenant,
    taskId: task.taskId,
    traceId: task.traceId,
    parentSessionId: task.parentSessionId,
    agent: task.agent,
    depth: task.depth,
    attempt,
  };
}
