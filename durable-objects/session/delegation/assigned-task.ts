import type { TaskDelivery, TaskMessage, TaskReport } from "../../../shared/contracts/task";
import type { SpanData } from "../../../shared/contracts/trace";
import { log } from "../../../shared/log";
import { parseTraceparent } from "../../../shared/tracing/trace-context";
import type { SendOutcome, TaskRunOutcome } from "../../rpc";
import { taskSessionId } from "../../stubs";
import type { Submission, TurnSubmission } from "../ordering/conductor";
import type { Row, SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import { deliverySpan, endDelivery } from "../tracing/task-spans";
import type { TurnScope } from "./coordinator";
import { decideDelivery, type OriginStatus } from "./delivery";
import { askParent, reportToParent } from "./transports";

/** The task a sub-agent's session was created for, and its latest attempt. */
interface Origin {
  task: TaskMessage;
  attempt: number;
  status: OriginStatus;
  turnId?: string;
  result?: string;
  error?: string;
}

/** What the assigned task needs from its session object. */
export interface AssignedTaskHost {
  env: Env;
  store: SessionStore;
  submit(meta: SessionMeta, request: TurnSubmission): Submission;
  /** call `reportAgain` a little later: no queue delivery waits on this report to retry it */
  retryReport(): void;
  /** keeps a delivery's span (when the session is traced); exported only if its trace is sampled */
  traced?(span: SpanData, sampled: boolean): void;
}

/**
 * The sub-agent's side of a task: runs each attempt once however often it is delivered,
 * keeps the outcome, and reports it to the parent's object (again, if asked again).
 */
export class AssignedTask {
  private origin: Origin | null | undefined;
  // the attempt this object is running now; a 'running' row without one died with an earlier life
  private live: Promise<TaskRunOutcome> | null = null;
  // the span of the delivery whose attempt runs now: the sub-agent's turn runs under it
  private delivery: SpanData | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: AssignedTaskHost,
  ) {}

  /** The task this session works on, if it is a sub-agent's. */
  task(): TaskMessage | null {
    return this.read()?.task ?? null;
  }

  /** Whether this object was given a task (it keeps its record, even before a session exists). */
  holdsTask(): boolean {
    return this.read() !== null;
  }

  /** Where this session sits in the delegation tree, if it works on a task. */
  scope(): TurnScope | null {
    const origin = this.read();
    if (!origin) return null;
    const context = parseTraceparent(origin.task.traceparent);
    const delivery = this.delivery;
    const traceId = context?.traceId ?? delivery?.traceId;
    const spanId = delivery?.spanId ?? context?.spanId;
    return {
      depth: origin.task.depth,
      chain: [...origin.task.chain, origin.task.agent],
      traceId: origin.task.traceId,
      ...(traceId ? { w3c: { traceId, ...(spanId ? { spanId } : {}), sampled: context?.sampled ?? true } } : {}),
    };
  }

  /** Runs one delivery of a task as attempt `attempt`; its span records how the delivery went. */
  async run(task: TaskMessage, attempt: number, source?: TaskDelivery): Promise<TaskRunOutcome> {
    const span = deliverySpan(task, attempt, source);
    const sampled = parseTraceparent(task.traceparent)?.sampled ?? true;
    let outcome: TaskRunOutcome;
    try {
      outcome = await this.deliver(task, attempt, span);
    } catch (error) {
      this.host.traced?.(endDelivery(span, "failed", error instanceof Error ? error.message : String(error)), sampled);
      throw error;
    }
    const error = outcome.status === "failed" ? outcome.error : outcome.status === "rejected" ? outcome.reason : "";
    this.host.traced?.(endDelivery(span, outcome.status, error), sampled);
    return outcome;
  }

  private async deliver(task: TaskMessage, attempt: number, span: SpanData): Promise<TaskRunOutcome> {
    const { store } = this.host;
    const sessionId = taskSessionId(task.taskId);
    const meta = store.meta();
    if (meta && (meta.tenant !== task.tenant || meta.sessionId !== sessionId || meta.agent !== task.agent)) {
      return { status: "rejected", reason: "the task does not match this object's session" };
    }
    const origin = this.read();
    const delivery = decideDelivery({
      origin,
      attempt,
      running: this.live !== null,
      now: Date.now(),
      deadline: task.deadline,
    });
    switch (delivery.action) {
      case "report_again":
        // the parent may not have got the result the first time: it ignores a second copy
        await this.reportFinal(origin as Origin);
        return this.logged(task, attempt, { status: "duplicate" });
      case "duplicate":
        return this.logged(task, attempt, { status: "duplicate" });
      case "join":
        span.attributes["edgent.delivery.joined"] = true;
        return this.live as Promise<TaskRunOutcome>;
      case "failed":
        return { status: "failed", error: origin?.error ?? "failed" };
      case "expire": {
        const error = "the deadline passed before the task started";
        this.write({ task, attempt, status: "timed_out", error });
        await reportToParent(this.host.env, task, {
          taskId: task.taskId,
          status: "timed_out",
          error,
          attempts: attempt,
        });
        return this.logged(task, attempt, { status: "expired" });
      }
      case "run":
        break;
    }

    // the attempt is claimed before anything is awaited: a concurrent copy of it is a duplicate
    this.write({ task, attempt, status: "running" });
    this.delivery = span;
    const run = this.attempt(task, attempt);
    this.live = run;
    try {
      return await run;
    } finally {
      if (this.live === run) this.live = null;
      if (this.delivery === span) this.delivery = null;
    }
  }

  private async attempt(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    const started = Date.now();
    // the parent marks the task running, or says it no longer wants it (its session was erased,
    // its turn cancelled, the task timed out): then no model runs and nothing more is stored
    const wanted = await askParent(this.host.env, task, attempt);
    if (!wanted) {
      this.update({ status: "discarded" });
      log({ ...this.taskLog(task, attempt), status: "discarded" });
      return { status: "discarded" };
    }
    const { store } = this.host;
    if (!store.meta()) {
      store.create(task.tenant, taskSessionId(task.taskId), task.agent, new Date().toISOString(), "enqueue");
    }
    const meta = store.meta() as SessionMeta;
    log({ ...this.taskLog(task, attempt), status: "started" });
    // the attempt travels with the turn's model calls (the builtin model's `/fail-task` reads it)
    const submission = this.host.submit(meta, { content: task.input, callMetadata: { taskAttempt: attempt } });
    if (submission.turnId) this.update({ turnId: submission.turnId });
    const first = await Promise.race([
      submission.outcome,
      (submission.waiting ?? new Promise<never>(() => undefined)).then(() => "waiting" as const),
    ]);
    if (first === "waiting") {
      this.update({ status: "waiting" });
      return this.logged(task, attempt, { status: "waiting" });
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
  async deadLetter(task: TaskMessage, source?: TaskDelivery): Promise<void> {
    const origin = this.read();
    if (origin?.status === "timed_out" || origin?.status === "discarded") return;
    const span = deliverySpan(task, origin?.attempt ?? 0, source);
    span.attributes["edgent.delivery.dead_letter"] = true;
    const sampled = parseTraceparent(task.traceparent)?.sampled ?? true;
    try {
      await this.recordDeadLetter(task, origin);
      this.host.traced?.(endDelivery(span, "dead_lettered", this.read()?.error), sampled);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.host.traced?.(endDelivery(span, "failed", message), sampled);
      throw error;
    }
  }

  private async recordDeadLetter(task: TaskMessage, origin: Origin | null): Promise<void> {
    if (origin?.status !== "completed" && origin?.status !== "dead_lettered") {
      const attempts = origin?.attempt ?? 0;
      this.write({
        task,
        attempt: attempts,
        status: "dead_lettered",
        error: origin?.error ?? "the sub-agent could not be reached",
      });
      log({ ...this.taskLog(task, attempts), status: "dead_lettered" });
    }
    await this.reportFinal(this.read() as Origin);
  }

  private async settle(outcome: SendOutcome, durationMs: number): Promise<TaskRunOutcome> {
    const origin = this.read() as Origin;
    const { task, attempt } = origin;
    if (outcome.status === "completed") {
      const result = outcome.response.reply.content;
      this.update({ status: "completed", result });
      log({ ...this.taskLog(task, attempt), status: "completed", durationMs });
      await this.reportFinal(this.read() as Origin);
      return { status: "completed" };
    }
    const error = outcome.status === "failed" ? outcome.failure.message : `the turn did not run (${outcome.status})`;
    this.update({ status: "failed", error });
    log({
      ...this.taskLog(task, attempt),
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
    if (outcome.status === "duplicate") log({ ...this.taskLog(task, attempt), status: "duplicate" });
    else if (outcome.status === "waiting") log({ ...this.taskLog(task, attempt), status: "waiting" });
    return outcome;
  }

  /** A task log line's fields, with the running delivery's span. */
  private taskLog(task: TaskMessage, attempt: number) {
    return { ...taskLog(task, attempt), ...(this.delivery ? { span_id: this.delivery.spanId } : {}) };
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
  const context = parseTraceparent(task.traceparent);
  return {
    ...(context ? { trace_id: context.traceId } : {}),
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
