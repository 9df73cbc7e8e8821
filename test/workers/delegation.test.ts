import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionApi, TaskParent } from "../../durable-objects/rpc";
import { sessionApi, taskHost, taskParent } from "../../durable-objects/stubs";
import type { TaskMessage } from "../../shared/contracts/task";
import worker from "../../workers/router";
import { waitUntil } from "../support/wait-until";

const TENANT = "dev";

/** A session's object as the router sees it. */
function rpc(sessionId: string): SessionApi {
  return sessionApi(env, TENANT, sessionId);
}

/** A session's object as its sub-agents see it. */
function parentOf(sessionId: string): TaskParent {
  return taskParent(env, { tenant: TENANT, parentSessionId: sessionId });
}

/** A coordinator whose turn has delegated one task; the task's queue message as it was sent. */
async function delegated(text: string, agent = "knowledge") {
  const sessionId = `w-${crypto.randomUUID()}`;
  const parent = rpc(sessionId);
  await parent.create({ tenant: TENANT, sessionId, agent: "triage" });
  const outcome = parent.sendMessage({ tenant: TENANT, sessionId, content: `/delegate ${agent} ${text}` });
  const view = await waitUntil(
    async () => (await parent.listTasks({ tenant: TENANT, sessionId }, 10))?.[0],
    (task) => task !== undefined,
    { what: "the delegated task to be recorded", intervalMs: 5 },
  );
  const message: TaskMessage = {
    taskId: view.taskId,
    tenant: TENANT,
    parentSessionId: sessionId,
    parentTurnId: view.turnId,
    agent: view.agent,
    input: view.input,
    depth: 1,
    chain: ["triage"],
    deadline: Date.now() + 60_000,
    traceId: view.turnId,
    attempt: 1,
  };
  return { sessionId, parent, outcome, message };
}

/** A task its parent knows and waits for, planted without sending it: only the test delivers it. */
async function planted(input: string, agent = "knowledge"): Promise<TaskMessage> {
  const sessionId = `w-${crypto.randomUUID()}`;
  await rpc(sessionId).create({ tenant: TENANT, sessionId, agent: "triage" });
  const taskId = crypto.randomUUID();
  const turnId = crypto.randomUUID();
  const deadline = Date.now() + 60_000;
  await runInDurableObject(env.SESSIONS.getByName(`${TENANT}:${sessionId}`), (_instance, state) => {
    state.storage.sql.exec(
      `INSERT INTO edgent_tasks (id, turn_id, call_id, agent, input, status, depth, chain, trace_id, deadline, sent, created_at)
       VALUES (?, ?, 'call-1', ?, ?, 'queued', 1, '["triage"]', ?, ?, 1, ?)`,
      taskId,
      turnId,
      agent,
      input,
      turnId,
      deadline,
      new Date().toISOString(),
    );
  });
  return {
    taskId,
    tenant: TENANT,
    parentSessionId: sessionId,
    parentTurnId: turnId,
    agent,
    input,
    depth: 1,
    chain: ["triage"],
    deadline,
    traceId: turnId,
    attempt: 1,
  };
}

async function subMessages(taskId: string) {
  const page = await taskHost(env, { tenant: TENANT, taskId }).listMessages(
    { tenant: TENANT, sessionId: `task:${taskId}` },
    0,
    100,
  );
  return page?.messages ?? [];
}

async function deliver(queue: string, body: unknown) {
  const batch = createMessageBatch(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("task queue consumer (inside workerd)", () => {
  it("runs a task delivered twice (and by the real queue) once, and the parent records one result", async () => {
    const { sessionId, parent, outcome, message } = await delegated("exactly-once");
    // the same message twice at once, on top of the queue's own delivery
    const results = await Promise.all([deliver("edgent-tasks", message), deliver("edgent-tasks", message)]);
    for (const result of results) expect(result.explicitAcks).toHaveLength(1);

    const turn = await outcome;
    expect(turn.status).toBe("completed");
    if (turn.status !== "completed") return;
    expect(turn.response.reply.content.split(message.taskId)).toHaveLength(2);
    expect(turn.response.messages.filter((m) => m.role === "tool")).toHaveLength(1);

    const sub = await taskHost(env, { tenant: TENANT, taskId: message.taskId }).listMessages(
      { tenant: TENANT, sessionId: `task:${message.taskId}` },
      0,
      100,
    );
    expect(sub?.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    const [task] = (await parent.listTasks({ tenant: TENANT, sessionId }, 10)) ?? [];
    expect(task).toMatchObject({ status: "completed", attempts: 1 });

    // delivered again after the fact: acked, nothing runs, the parent ignores the copy
    expect((await deliver("edgent-tasks", message)).explicitAcks).toHaveLength(1);
    const again = await taskHost(env, { tenant: TENANT, taskId: message.taskId }).listMessages(
      { tenant: TENANT, sessionId: `task:${message.taskId}` },
      0,
      100,
    );
    expect(again?.messages).toHaveLength(2);
    expect(
      await parentOf(sessionId).taskSettled(
        { tenant: TENANT, sessionId },
        { taskId: message.taskId, status: "failed", error: "late", attempts: 9 },
      ),
    ).toBe("duplicate");
  });

  it("acks and drops a message that is not a task, instead of retrying it forever", async () => {
    const result = await deliver("edgent-tasks", { taskId: "nope" });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
  });

  it("asks the queue to retry a failed attempt, and runs each attempt once", async () => {
    const task = await planted("/fail-task 9 never");
    const first = await deliver("edgent-tasks", task);
    expect(first.retryMessages).toHaveLength(1);
    expect(first.explicitAcks).toHaveLength(0);
    const second = await deliver("edgent-tasks", { ...task, attempt: 2 });
    expect(second.retryMessages).toHaveLength(1);
    // attempt 1 delivered again after attempt 2 began: acked, nothing runs
    expect((await deliver("edgent-tasks", task)).explicitAcks).toHaveLength(1);
    expect((await subMessages(task.taskId)).filter((m) => m.role === "user")).toHaveLength(2);
  });

  it("runs a retry again when the object that ran the earlier attempt died mid-way", async () => {
    const task = await planted("survived");
    // an earlier life of the sub-agent's object started attempt 1 and never finished it
    await runInDurableObject(env.SESSIONS.getByName(`${TENANT}:task:${task.taskId}`), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO edgent_task_origin (id, task, attempt, status) VALUES (1, ?, 1, 'running')",
        JSON.stringify(task),
      );
    });
    const retry = await deliver("edgent-tasks", { ...task, attempt: 2 });
    expect(retry.explicitAcks).toHaveLength(1);
    expect((await subMessages(task.taskId)).map((m) => m.content)).toEqual(["survived", "survived"]);
  });

  it("does not run a task its parent no longer wants", async () => {
    const task = await planted("unwanted");
    // a task the parent never heard of (its session erased, say)
    const unknown = await deliver("edgent-tasks", { ...task, taskId: crypto.randomUUID() });
    expect(unknown.explicitAcks).toHaveLength(1);
    // a task whose outcome the parent already has
    await parentOf(task.parentSessionId).taskSettled(
      { tenant: TENANT, sessionId: task.parentSessionId },
      { taskId: task.taskId, status: "timed_out", error: "too late", attempts: 0 },
    );
    expect((await deliver("edgent-tasks", task)).explicitAcks).toHaveLength(1);
    expect(await subMessages(task.taskId)).toHaveLength(0);
  });

  it("erases the sub-agents' objects with the session that delegated to them", async () => {
    const task = await planted("private conversation");
    expect((await deliver("edgent-tasks", task)).explicitAcks).toHaveLength(1);
    expect(await subMessages(task.taskId)).toHaveLength(2);
    expect(await rpc(task.parentSessionId).erase({ tenant: TENANT, sessionId: task.parentSessionId })).toEqual({
      status: "erased",
    });
    expect(await subMessages(task.taskId)).toHaveLength(0);
    // a copy of the task delivered after the erase finds no parent wanting it: nothing is stored again
    expect((await deliver("edgent-tasks", { ...task, attempt: 2 })).explicitAcks).toHaveLength(1);
    expect(await subMessages(task.taskId)).toHaveLength(0);
  });

  it("tells the parent a dead-lettered task failed, once", async () => {
    const { parent, sessionId, outcome, message } = await delegated("/fail-task 9 doomed", "billing");
    await deliver("edgent-tasks-dlq", message);
    await deliver("edgent-tasks-dlq", message);
    const turn = await outcome;
    expect(turn.status).toBe("completed");
    const tasks = (await parent.listTasks({ tenant: TENANT, sessionId }, 10)) ?? [];
    // the failed task went to the fallback agent once
    expect(tasks.filter((task) => task.status === "failed")).toHaveLength(1);
    expect(tasks.filter((task) => task.fallbackFor === message.taskId)).toHaveLength(1);
  });
});
