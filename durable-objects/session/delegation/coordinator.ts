import { type AgentDefinition, ToolError } from "../../../shared/agents/define";
import { findAgent } from "../../../shared/agents/registry";
import { MAX_TASK_CHARS, type TaskMessage, type TaskReport } from "../../../shared/contracts/task";
import { checkDelegation, type DelegationLimits, type DelegationScope } from "../../../shared/delegation/policy";
import type { ConsultResult } from "../../../shared/guardrails/define";
import { log } from "../../../shared/log";
import { formatTraceparent, type SpanContext, turnSpanId } from "../../../shared/tracing/trace-context";
import type { SettleOutcome } from "../../rpc";
import type { NewMessage, SessionMeta } from "../storage/rows";
import type { RunDelegation } from "../turn/run";
import { isTerminal, TaskBook, type TaskRow, toTaskMessage } from "./task-book";
import type { TaskTransport } from "./transports";

/** A turn's place in the delegation tree, and the trace its tasks carry. */
export interface TurnScope extends DelegationScope {
  /** the root turn's id */
  traceId: string;
  /** the W3C trace the turn runs in (its span id is the turn's parent, not used for tasks) */
  w3c?: SpanContext;
}

/** The delegation settings the parent's side applies. */
export interface CoordinatorLimits extends DelegationLimits {
  /** how long a task may take, from dispatch to result, before it is timed out */
  taskTimeoutMs: number;
  /** per-delegate deadlines set by the operator, keyed `coordinator.delegate` (EDGENT_DELEGATE_TIMEOUTS_MS) */
  delegateTimeouts: Readonly<Record<string, number>>;
}

/** What the coordinator asks of its session object. */
export interface CoordinatorHooks {
  transport(): TaskTransport;
  /** wake the session at `at` (epoch ms) or a little later to time out the turn's overdue tasks */
  schedule(at: number, turnId: string): Promise<void>;
  /** every task of the waiting turn has an outcome: the turn may go on */
  ready(turnId: string): void;
}

/** Task calls of consultations (a guardrail asking an agent) are named so. */
const CONSULT_PREFIX = "consult:";

/**
 * The parent's side of delegation: takes the `delegate` tool's requests within policy, sends
 * the step's tasks out together, records each outcome once (a fallback agent gets a second
 * chance), times out what is overdue, and hands the results back to the waiting turn.
 */
export class TaskCoordinator {
  readonly book: TaskBook;
  private readonly dispatching = new Map<string, Promise<void>>();
  private readonly consulting = new Map<string, () => void>();

  constructor(
    sql: SqlStorage,
    private readonly limits: CoordinatorLimits,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.book = new TaskBook(sql);
  }

  /** The `delegate` tool's way out for one turn, which also knows which calls it accepted. */
  port(agent: AgentDefinition, scope: TurnScope, turnId: string): RunDelegation {
    const accepted = new Set<string>();
    return {
      accepted,
      request: (input, toolCallId, spanId) => {
        const check = checkDelegation(agent, input.agent, scope, this.book.countForTurn(turnId), this.limits);
        if (!check.ok) throw new ToolError(check.reason);
        const taskId = crypto.randomUUID();
        // the task's spans hang under the `delegate` call's span (or the turn's, if none was given)
        const traceparent = scope.w3c
          ? formatTraceparent({
              traceId: scope.w3c.traceId,
              spanId: spanId ?? turnSpanId(turnId),
              sampled: scope.w3c.sampled,
            })
          : undefined;
        this.book.add({
          taskId,
          turnId,
          callId: toolCallId,
          agent: input.agent,
          input: input.task,
          depth: scope.depth + 1,
          chain: [...scope.chain],
          traceId: scope.traceId,
          ...(traceparent ? { traceparent } : {}),
          deadline: Date.now() + this.timeoutFor(agent, input.agent),
        });
        accepted.add(toolCallId);
        return { taskId, agent: input.agent };
      },
    };
  }

  /**
   * Sends the turn's unsent tasks to their sub-agents, after arming the alarm for their
   * deadline: whatever happens next, the waiting turn is woken. One dispatch per turn at a time.
   */
  dispatch(meta: SessionMeta, turnId: string): Promise<void> {
    const previous = this.dispatching.get(turnId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.send(meta, turnId));
    this.dispatching.set(turnId, next);
    const forget = () => {
      if (this.dispatching.get(turnId) === next) this.dispatching.delete(turnId);
    };
    next.then(forget, forget);
    return next;
  }

  private async send(meta: SessionMeta, turnId: string): Promise<void> {
    const tasks = this.book.unsent(turnId);
    if (tasks.length === 0) return;
    try {
      const deadline = this.book.nextDeadline(turnId);
      if (deadline !== null) await this.hooks.schedule(deadline, turnId);
      // each batch is marked as it goes: a failure part-way fails only what was not sent
      await this.hooks.transport().send(
        tasks.map((task) => toTaskMessage(task, meta.tenant, meta.sessionId)),
        (sent) => this.book.markSent(sent),
      );
    } catch (error) {
      log({
        event: "notice",
        level: "error",
        message: "tasks could not be dispatched",
        tenant: meta.tenant,
        sessionId: meta.sessionId,
        turnId,
        errorName: error instanceof Error ? error.name : "unknown",
      });
      for (const task of this.book.unsent(turnId)) {
        this.book.markSent([task.taskId]);
        this.book.settle({
          taskId: task.taskId,
          status: "failed",
          error: "the task could not be dispatched",
          attempts: 0,
        });
      }
    }
    this.checkReady(turnId);
  }

  /** After a restart: re-arms the waiting turn's deadline alarm and sends what was not sent. */
  async recover(meta: SessionMeta, turnId: string): Promise<void> {
    const deadline = this.book.nextDeadline(turnId);
    if (deadline !== null) await this.hooks.schedule(deadline, turnId).catch(() => undefined);
    await this.dispatch(meta, turnId);
  }

  /** A sub-agent begins an attempt; false if the task is no longer wanted (over, or its turn moved on). */
  progress(taskId: string, attempts: number): boolean {
    return this.book.progress(taskId, attempts);
  }

  /** Records a task's outcome once; a failure goes to the fallback agent if there is one. */
  async settle(meta: SessionMeta, report: TaskReport): Promise<SettleOutcome> {
    const task = this.book.get(report.taskId);
    if (!task) return "unknown";
    if (!this.book.settle(report)) return "duplicate";
    // a consultation's caller is waiting for it in the running turn, not the waiting turn
    if (task.callId.startsWith(CONSULT_PREFIX)) {
      this.consulting.get(task.taskId)?.();
      return "recorded";
    }
    // the turn no longer waits for it (it was cancelled): the outcome is only recorded
    if (task.resolved) return "recorded";
    if (report.status !== "completed" && (await this.fallback(meta, task, report))) return "recorded";
    this.checkReady(task.turnId);
    return "recorded";
  }

  /** Times out the turn's tasks that are past their deadline; wakes again for any still running. */
  async expire(meta: SessionMeta, turnId: string, now: number): Promise<void> {
    for (const task of this.book.overdue(turnId, now)) {
      const waited = now - Date.parse(task.createdAt);
      const report: TaskReport = {
        taskId: task.taskId,
        status: "timed_out",
        error: `no result within ${task.deadline - Date.parse(task.createdAt)} ms (waited ${waited} ms)`,
        attempts: task.attempts,
      };
      log({
        event: "task",
        tenant: meta.tenant,
        taskId: task.taskId,
        traceId: task.traceId,
        parentSessionId: meta.sessionId,
        agent: task.agent,
        depth: task.depth,
        attempt: task.attempts,
        status: "timed_out",
        durationMs: waited,
      });
      await this.settle(meta, report);
    }
    const next = this.book.nextDeadline(turnId);
    if (next !== null) await this.hooks.schedule(Math.max(next, now + 1), turnId);
    this.checkReady(turnId);
  }

  /**
   * The tool results a waiting turn goes on with, one per `delegate` call; marks them seen.
   * When the turn is cancelled, tasks still out get a "cancelled" result and their outcome,
   * when it comes, is only recorded.
   */
  results(meta: SessionMeta, turnId: string, cancelled = false): NewMessage[] {
    const coordinator = findAgent(meta.agent);
    const tasks = this.book.unresolved(turnId);
    // a fallback task answers the same call as the task it replaced, and comes after it
    const finalByCall = new Map<string, TaskRow>();
    const byId = new Map(tasks.map((task) => [task.taskId, task]));
    for (const task of tasks) finalByCall.set(task.callId, task);
    const messages: NewMessage[] = [];
    for (const [callId, task] of finalByCall) {
      const replaced = task.fallbackFor ? (byId.get(task.fallbackFor) ?? this.book.get(task.fallbackFor)) : null;
      const result =
        cancelled && !isTerminal(task.status)
          ? { content: `task for '${task.agent}' cancelled: the turn was cancelled before it finished`, isError: true }
          : toolResult(task, replaced, coordinator);
      messages.push({ turnId, role: "tool", toolCallId: callId, toolName: "delegate", ...result });
    }
    this.book.markResolved(tasks.map((task) => task.taskId));
    return messages;
  }

  /**
   * Asks another agent (a fact checker, say) to do a task while the turn runs, in that agent's
   * own object, and waits for its reply up to the task deadline. The task is recorded like any
   * other (it shows in the session's tasks) but no turn waits for it and no fallback takes it.
   */
  async consult(
    meta: SessionMeta,
    scope: TurnScope,
    turnId: string,
    agent: string,
    input: string,
    runNow: (task: TaskMessage) => Promise<void>,
  ): Promise<ConsultResult> {
    if (!findAgent(agent)) return { ok: false, error: `no agent named '${agent}'` };
    if (scope.depth + 1 > this.limits.maxDepth) return { ok: false, error: "delegation depth limit reached" };
    if (scope.chain.includes(agent)) return { ok: false, error: `'${agent}' is already working on this request` };
    const taskId = crypto.randomUUID();
    this.book.add({
      taskId,
      turnId,
      callId: `${CONSULT_PREFIX}${taskId}`,
      agent,
      input: input.slice(0, MAX_TASK_CHARS),
      depth: scope.depth + 1,
      chain: [...scope.chain],
      traceId: scope.traceId,
      deadline: Date.now() + this.limits.taskTimeoutMs,
    });
    this.book.markSent([taskId]);
    const settled = new Promise<void>((resolve) => this.consulting.set(taskId, resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.limits.taskTimeoutMs);
    });
    try {
      const row = this.book.get(taskId) as TaskRow;
      const run = runNow(toTaskMessage(row, meta.tenant, meta.sessionId)).catch((error: unknown) => {
        this.book.settle({
          taskId,
          status: "failed",
          error: `the agent could not be reached (${String(error)})`,
          attempts: 1,
        });
      });
      // a sub-agent that delegates in turn reports later, when it is done
      await Promise.race([
        run.then(() => (this.book.get(taskId)?.status === "running" ? settled : undefined)),
        deadline,
      ]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.consulting.delete(taskId);
      this.book.markResolved([taskId]);
    }
    const task = this.book.get(taskId);
    if (task?.status === "completed") return { ok: true, reply: task.result ?? "" };
    if (task && !isTerminal(task.status)) {
      this.book.settle({ taskId, status: "timed_out", error: "no reply before the deadline", attempts: task.attempts });
    }
    return { ok: false, error: task?.error ?? "no reply before the deadline" };
  }

  /** How long a task of `delegate` may take: the operator's setting, the delegate's policy, or the default. */
  private timeoutFor(coordinator: AgentDefinition, delegate: string): number {
    return (
      this.limits.delegateTimeouts[`${coordinator.name}.${delegate}`] ??
      coordinator.delegation[delegate]?.timeoutMs ??
      this.limits.taskTimeoutMs
    );
  }

  /** Hands a failed task to its delegate's fallback agent (or the coordinator's), once. */
  private async fallback(meta: SessionMeta, task: TaskRow, report: TaskReport): Promise<boolean> {
    const coordinator = findAgent(meta.agent);
    if (!coordinator || task.fallbackFor) return false;
    const fallback = coordinator.delegation[task.agent]?.fallback ?? coordinator.fallback;
    if (!fallback || fallback === task.agent || task.chain.includes(fallback)) return false;
    if (!findAgent(fallback)) return false;
    const reason = report.status === "completed" ? "" : report.error;
    const note = `The '${task.agent}' agent could not complete this task (${report.status === "timed_out" ? "timed out" : "failed"}: ${reason}). Please handle it.\n\nTask:\n`;
    this.book.add({
      taskId: crypto.randomUUID(),
      turnId: task.turnId,
      callId: task.callId,
      agent: fallback,
      input: note + task.input.slice(0, MAX_TASK_CHARS - note.length),
      depth: task.depth,
      chain: task.chain,
      traceId: task.traceId,
      ...(task.traceparent ? { traceparent: task.traceparent } : {}),
      deadline: Date.now() + this.timeoutFor(coordinator, fallback),
      fallbackFor: task.taskId,
    });
    await this.dispatch(meta, task.turnId);
    return true;
  }

  private checkReady(turnId: string): void {
    if (!this.book.outstanding(turnId)) this.hooks.ready(turnId);
  }
}

/** What the coordinator's model reads for one delegated call. */
function toolResult(
  task: TaskRow,
  replaced: TaskRow | null,
  coordinator: AgentDefinition | undefined,
): { content: string; isError: boolean } {
  const instead = replaced
    ? { insteadOf: { agent: replaced.agent, status: replaced.status, error: replaced.error } }
    : {};
  if (task.status === "completed") {
    return {
      content: JSON.stringify({
        agent: task.agent,
        taskId: task.taskId,
        status: "completed",
        result: task.result,
        ...instead,
      }),
      isError: false,
    };
  }
  const compensated = compensate(task, replaced, coordinator);
  if (compensated) return { content: JSON.stringify({ ...compensated, ...instead }), isError: false };
  const what = task.status === "timed_out" ? "timed out" : `failed after ${task.attempts} attempt(s)`;
  const before = replaced
    ? ` (fallback for '${replaced.agent}', which ${replaced.status === "timed_out" ? "timed out" : "failed"}: ${replaced.error ?? ""})`
    : "";
  return { content: `task for '${task.agent}' ${what}: ${task.error ?? "no result"}${before}`, isError: true };
}

/** The delegate's compensating action for a task that failed for good, if it has one. */
function compensate(task: TaskRow, replaced: TaskRow | null, coordinator: AgentDefinition | undefined) {
  if (task.status !== "failed" && task.status !== "timed_out") return null;
  const delegate = replaced?.agent ?? task.agent;
  const action = coordinator?.delegation[delegate]?.compensate;
  if (!action) return null;
  const failure = {
    agent: delegate,
    lastAgent: task.agent,
    task: replaced?.input ?? task.input,
    status: task.status,
    error: task.error ?? "no result",
  };
  let result: string;
  try {
    result = action(failure);
  } catch (error) {
    // a compensating action that fails leaves the failure as it was
    log({
      event: "notice",
      level: "error",
      message: `the compensating action for '${delegate}' failed`,
      taskId: task.taskId,
      errorName: error instanceof Error ? error.name : "unknown",
    });
    return null;
  }
  return {
    agent: delegate,
    taskId: task.taskId,
    status: "compensated",
    result,
    failure: { agent: task.agent, status: task.status, error: failure.error },
  };
}
