import type { ApprovalView } from "../../../shared/contracts/approval";
import type { TaskMessage, TaskReport } from "../../../shared/contracts/task";
import { log } from "../../../shared/log";
import { retryIfReset } from "../../../shared/object-reset";
import { taskHost, taskParent, taskSessionId } from "../../stubs";

/** Hands a task's outcome to the session that delegated it. */
export async function reportToParent(env: Env, task: TaskMessage, report: TaskReport): Promise<void> {
  await taskParent(env, task).taskSettled({ tenant: task.tenant, sessionId: task.parentSessionId }, report);
}

/** Tells the session that delegated a task about an approval the task's sub-agent raised (or its new state). */
export async function relayApproval(env: Env, task: TaskMessage, approval: ApprovalView): Promise<void> {
  await taskParent(env, task).approvalRelayed(
    { tenant: task.tenant, sessionId: task.parentSessionId },
    task.taskId,
    approval,
  );
}

/** Asks the parent whether an attempt at a task may run (and marks the task running). */
export function askParent(env: Env, task: TaskMessage, attempt: number): Promise<boolean> {
  return taskParent(env, task).taskProgress(
    { tenant: task.tenant, sessionId: task.parentSessionId },
    task.taskId,
    attempt,
  );
}

/** Tells a started task's sub-agent that its parent was erased: it stops and erases itself. */
export async function discardTask(env: Env, tenant: string, taskId: string): Promise<void> {
  await taskHost(env, { tenant, taskId }).discardTask({ tenant, sessionId: taskSessionId(taskId) });
}

/** How a session's tasks reach their sub-agents. */
export interface TaskTransport {
  /** Sends the tasks, reporting the ids of each part as it is handed over. */
  send(tasks: readonly TaskMessage[], sent: (taskIds: string[]) => void): Promise<void>;
}

// Queues limits: 100 messages and 256 KB per sendBatch
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 200_000;

/** Through the task queue: bursts are absorbed, failures retried with backoff, then dead-lettered. */
export function queueTransport(queue: Queue): TaskTransport {
  return {
    async send(tasks, sent) {
      let batch: MessageSendRequest<TaskMessage>[] = [];
      let bytes = 0;
      const flush = async () => {
        await queue.sendBatch(batch);
        sent(batch.map((message) => message.body.taskId));
        batch = [];
        bytes = 0;
      };
      for (const task of tasks) {
        const size = JSON.stringify(task).length * 3;
        if (batch.length === BATCH_MESSAGES || (batch.length > 0 && bytes + size > BATCH_BYTES)) await flush();
        batch.push({ body: task, contentType: "json" });
        bytes += size;
      }
      if (batch.length > 0) await flush();
    },
  };
}

/**
 * Straight to each sub-agent's object by RPC, without a queue: lower latency, no retries and no
 * dead letters; a failed task is reported failed at once. For comparison and latency-bound use.
 */
export function directTransport(env: Env, background: (work: Promise<unknown>) => void): TaskTransport {
  return {
    async send(tasks, sent) {
      for (const task of tasks) background(runTaskNow(env, task));
      sent(tasks.map((task) => task.taskId));
    },
  };
}

/** Runs a task in its sub-agent's object by RPC, once; its outcome reaches the parent either way. */
export async function runTaskNow(env: Env, task: TaskMessage): Promise<void> {
  try {
    const outcome = await retryIfReset(() => taskHost(env, task).runTask(task, task.attempt));
    if (outcome.status === "failed") await retryIfReset(() => taskHost(env, task).deadLetter(task));
  } catch (error) {
    log({
      event: "notice",
      level: "warn",
      message: "direct task failed",
      tenant: task.tenant,
      taskId: task.taskId,
      errorName: error instanceof Error ? error.name : "unknown",
    });
    await reportToParent(env, task, {
      taskId: task.taskId,
      status: "failed",
      error: "the sub-agent could not be reached",
      attempts: task.attempt,
    }).catch(() => undefined);
  }
}
