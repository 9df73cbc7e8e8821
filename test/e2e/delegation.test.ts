import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Message, turnResponseSchema } from "../../shared/contracts/message";
import {
  pendingTurnSchema,
  type TaskDetail,
  type TaskView,
  taskDetailSchema,
  taskListSchema,
} from "../../shared/contracts/task";
import type { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { doneBody, isFrame, LiveClient, streamTurn } from "../support/live-client.ts";
import { waitUntil } from "../support/wait-until.ts";

/** What POST /v1/sessions/:id/messages answers for a turn that ran: its reply, or (202) that it goes on. */
const postedTurnSchema = z.union([turnResponseSchema, pendingTurnSchema]);

async function tasksOf(api: Client, sessionId: string): Promise<TaskView[]> {
  const reply = await api.get(`/v1/sessions/${sessionId}/tasks`);
  expect(reply.status).toBe(200);
  return reply.parse(taskListSchema).tasks;
}

async function taskDetail(api: Client, sessionId: string, taskId: string): Promise<TaskDetail> {
  const reply = await api.get(`/v1/sessions/${sessionId}/tasks/${taskId}`);
  expect(reply.status).toBe(200);
  return reply.parse(taskDetailSchema);
}

function delegate(lines: Array<[agent: string, task: string]>): string {
  return lines.map(([agent, task]) => `/delegate ${agent} ${task}`).join("\n");
}

describe("delegation over the task queue", () => {
  const fx = useRuntime({ EDGENT_TASK_RETRY_BASE_SECONDS: "1" });

  it("fans out to 5 sub-agents in their own objects and replies with every result", async () => {
    const sessionId = await fx.api.session("triage");
    const jobs: Array<[string, string]> = [
      ["billing", "invoice-alpha"],
      ["knowledge", "article-beta"],
      ["billing", "plan-gamma"],
      ["knowledge", "policy-delta"],
      ["knowledge", "reset-epsilon"],
    ];
    const turn = await fx.api.say(sessionId, delegate(jobs));
    for (const [, text] of jobs) expect(turn.reply.content).toContain(text);
    // one assistant message with five delegate calls, five results, one final reply
    const calls = turn.messages.find((m) => m.toolCalls)?.toolCalls ?? [];
    expect(calls.map((call) => call.toolName)).toEqual(Array(5).fill("delegate"));
    expect(turn.messages.filter((m) => m.role === "tool")).toHaveLength(5);

    const tasks = await tasksOf(fx.api, sessionId);
    expect(tasks).toHaveLength(5);
    for (const task of tasks) {
      expect(task).toMatchObject({ turnId: turn.turnId, status: "completed", attempts: 1 });
      expect(task.completedAt).toBeDefined();
    }
    expect(tasks.map((task) => task.agent).sort()).toEqual([
      "billing",
      "billing",
      "knowledge",
      "knowledge",
      "knowledge",
    ]);

    const detail = await taskDetail(fx.api, sessionId, tasks[0]?.taskId ?? "");
    expect(detail.depth).toBe(1);
    expect(detail.traceId).toBe(turn.turnId);
    expect(detail.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", tasks[0]?.input],
      ["assistant", tasks[0]?.result],
    ]);
  });

  it("runs a sub-agent's own delegation two levels down", async () => {
    const sessionId = await fx.api.session("triage");
    const turn = await fx.api.say(sessionId, "/delegate billing /delegate knowledge nested-answer");
    expect(turn.reply.content).toContain("nested-answer");
    const [task] = await tasksOf(fx.api, sessionId);
    const billing = await taskDetail(fx.api, sessionId, task?.taskId ?? "");
    expect(billing.status).toBe("completed");
    // billing's own session delegated to knowledge and got its result
    expect(billing.messages.some((m) => m.role === "tool" && m.content.includes("nested-answer"))).toBe(true);
  });

  it("retries a failing task with growing delays until it succeeds", async () => {
    const sessionId = await fx.api.session("triage");
    const turn = await fx.api.say(sessionId, "/delegate billing /fail-task 2 recovered-after-retries");
    expect(turn.reply.content).toContain("recovered-after-retries");
    const [task] = await tasksOf(fx.api, sessionId);
    expect(task).toMatchObject({ agent: "billing", status: "completed", attempts: 3 });
    const detail = await taskDetail(fx.api, sessionId, task?.taskId ?? "");
    const starts = detail.messages.filter((m) => m.role === "user").map((m) => Date.parse(m.createdAt));
    expect(starts).toHaveLength(3);
    // backoff: 1 s before the second attempt, 2 s before the third
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((starts[2] ?? 0) - (starts[1] ?? 0)).toBeGreaterThanOrEqual(1900);
  });

  it("dead-letters a task whose attempts run out and hands it to the fallback agent", async () => {
    const sessionId = await fx.api.session("triage");
    const turn = await fx.api.say(sessionId, "/delegate billing /fail-task 9 refund-question");
    const tasks = await tasksOf(fx.api, sessionId);
    expect(tasks).toHaveLength(2);
    const [billing, fallback] = tasks;
    expect(billing).toMatchObject({ agent: "billing", status: "failed", attempts: 3 });
    expect(billing?.error).toContain("gave up after 3 attempt(s)");
    expect(fallback).toMatchObject({ agent: "knowledge", status: "completed", fallbackFor: billing?.taskId });
    expect(fallback?.input).toContain("could not complete this task");
    // the coordinator's reply carries the fallback's answer for the failed part
    expect(turn.reply.content).toContain("refund-question");
    expect(turn.reply.content).toContain("insteadOf");
  });

  it("says which parts failed when there is no fallback", async () => {
    // billing delegates to knowledge and declares no fallback
    const sessionId = await fx.api.session("billing");
    const turn = await fx.api.say(
      sessionId,
      delegate([
        ["knowledge", "/fail-task 9 never"],
        ["knowledge", "this-part-worked"],
      ]),
    );
    expect(turn.reply.content).toContain("this-part-worked");
    expect(turn.reply.content).toMatch(/Tool delegate failed: task for 'knowledge' failed after 3 attempt\(s\)/);
    const statuses = (await tasksOf(fx.api, sessionId)).map((task) => task.status).sort();
    expect(statuses).toEqual(["completed", "failed"]);
  });

  it("refuses a delegation cycle and an agent that is not a delegate, and the turn still answers", async () => {
    const sessionId = await fx.api.session("triage");
    const turn = await fx.api.say(sessionId, "/delegate billing /delegate triage back-to-you");
    // billing tried to hand the task back to triage, which is already working on it
    expect(turn.reply.content).toContain("delegation cycle refused");
    expect(await tasksOf(fx.api, sessionId)).toHaveLength(1);

    const other = await fx.api.session("triage");
    const refused = await fx.api.say(other, "/delegate assistant hello");
    expect(refused.reply.content).toContain("cannot delegate to 'assistant'");
    expect(await tasksOf(fx.api, other)).toHaveLength(0);
  });

  it("accounts for every result when 50 coordinators fan out 4 tasks each at once", async () => {
    const sessions = await Promise.all(Array.from({ length: 50 }, () => fx.api.session("triage")));
    const turns = await Promise.all(
      sessions.map((sessionId, i) =>
        fx.api.say(
          sessionId,
          delegate([0, 1, 2, 3].map((j) => [j % 2 ? "billing" : "knowledge", `token-${i}-${j}`] as [string, string])),
        ),
      ),
    );
    turns.forEach((turn, i) => {
      for (const j of [0, 1, 2, 3]) expect(turn.reply.content).toContain(`token-${i}-${j}`);
      // no result of another session's task leaked in
      expect(turn.reply.content.match(/token-\d+-\d/g)?.every((t) => t.startsWith(`token-${i}-`))).toBe(true);
    });
    const all = (await Promise.all(sessions.map((id) => tasksOf(fx.api, id)))).flat();
    expect(all).toHaveLength(200);
    expect(all.every((task) => task.status === "completed" && task.attempts === 1)).toBe(true);
  });

  it("cancels a turn that waits for its sub-agents, and erases a session without waiting for them", async () => {
    const sessionId = await fx.api.session("triage");
    const posted = fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/delegate knowledge /slow 300 one two three four five six seven eight",
    });
    const [task] = await waitUntil(
      () => tasksOf(fx.api, sessionId),
      (tasks) => tasks.length > 0,
      { what: "the delegated task to be recorded", timeoutMs: 20_000 },
    );
    const cancelled = await fx.api.post(`/v1/sessions/${sessionId}/turns/${task?.turnId}/cancel`);
    expect(cancelled.status).toBe(200);
    const turn = (await posted).parse(turnResponseSchema);
    expect(turn.status).toBe("cancelled");
    expect(turn.reply.cancelled).toBe(true);
    // the delegate call still has its answer, so the history stays valid for the next turn
    expect(turn.messages.filter((m) => m.role === "tool").map((m) => m.content)).toEqual([
      expect.stringContaining("cancelled"),
    ]);
    expect((await fx.api.say(sessionId, "next")).reply.content).toBe("next");

    const erased = await fx.api.session("triage");
    const pending = fx.api.post(`/v1/sessions/${erased}/messages`, {
      content: "/delegate knowledge /slow 300 one two three four five six seven eight",
    });
    await waitUntil(
      () => tasksOf(fx.api, erased),
      (tasks) => tasks.length > 0,
      { what: "the delegated task to be recorded", timeoutMs: 20_000 },
    );
    const started = Date.now();
    expect((await fx.api.delete(`/v1/sessions/${erased}`)).status).toBe(204);
    expect(Date.now() - started).toBeLessThan(2_000);
    await pending;
    expect((await fx.api.get(`/v1/sessions/${erased}`)).status).toBe(404);
  });

  it("streams a delegating turn over WebSocket and SSE, waiting frame included, to its reply", async () => {
    const sessionId = await fx.api.session("triage");
    const client = await LiveClient.connect(fx.runtime.url, sessionId);
    client.send({ type: "message", content: "/delegate knowledge over-the-socket" });
    const waiting = await client.waitFor(isFrame("turn", (f) => f.status === "waiting"));
    const ended = await client.turnEnded();
    expect(ended).toMatchObject({ status: "completed", turnId: waiting.turnId });
    const roles = client.messages().map((m) => m.role);
    expect(roles).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(client.messages().at(-1)?.content).toContain("over-the-socket");
    client.close();

    const { events } = await streamTurn(fx.runtime.url, sessionId, { content: "/delegate billing over-sse" });
    const types = events.map((e) => (e.frame.type === "turn" ? `turn:${e.frame.status}` : e.frame.type));
    expect(types).toContain("turn:waiting");
    expect(events.at(-1)?.frame.type).toBe("done");
    expect(doneBody(events).reply.content).toContain("over-sse");
  });

  it("shows tasks only to their own session and tenant, and rejects bad task ids", async () => {
    const sessionId = await fx.api.session("triage");
    await fx.api.say(sessionId, "/delegate knowledge private-answer");
    const [task] = await tasksOf(fx.api, sessionId);
    const other = fx.api.withToken("dev-token-2");
    expect((await other.get(`/v1/sessions/${sessionId}/tasks`)).status).toBe(404);
    expect((await other.get(`/v1/sessions/${sessionId}/tasks/${task?.taskId}`)).status).toBe(404);
    const sibling = await fx.api.session("triage");
    expect((await fx.api.get(`/v1/sessions/${sibling}/tasks/${task?.taskId}`)).code).toBe("not_found");
    expect((await fx.api.get(`/v1/sessions/${sessionId}/tasks/not-a-uuid`)).status).toBe(400);
    expect((await fx.api.post(`/v1/sessions/${sessionId}/tasks`, {})).status).toBe(405);
  });
});

describe("delegation limits and timing", () => {
  const fx = useRuntime({
    EDGENT_TASK_TIMEOUT_MS: "1000",
    EDGENT_DELEGATION_MAX_DEPTH: "1",
    EDGENT_TURN_WAIT_MS: "300",
  });

  it("times out a task that outlives its deadline and ignores its late result", async () => {
    const sessionId = await fx.api.session("billing");
    const posted = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/delegate knowledge /slow 400 one two three four five six",
    });
    expect(posted.status).toBe(202);
    const { turnId } = posted.parse(pendingTurnSchema);
    const reply = await waitForReply(fx.api, sessionId, turnId);
    expect(reply.content).toMatch(/timed out/);
    // the sub-agent finishes later (its reply lands in its own history, and it reports to the
    // parent right after storing it); its result no longer changes the task
    const [timedOut] = await tasksOf(fx.api, sessionId);
    await waitUntil(
      () => taskDetail(fx.api, sessionId, timedOut?.taskId ?? ""),
      (detail) => detail.messages.some((m) => m.role === "assistant"),
      { what: "the sub-agent's late reply" },
    );
    const [task] = await tasksOf(fx.api, sessionId);
    expect(task?.status).toBe("timed_out");
    expect(task?.result).toBeUndefined();
  });

  it("answers 202 when the turn outlives the wait limit, and the reply lands in history", async () => {
    const sessionId = await fx.api.session("triage");
    const posted = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/delegate knowledge /slow 100 late but sure",
    });
    expect(posted.status).toBe(202);
    expect(posted.json).toEqual({ turnId: expect.any(String), status: "pending" });
    const { turnId } = posted.parse(pendingTurnSchema);
    // a message sent meanwhile queues behind the waiting turn
    const after = await fx.api.post(`/v1/sessions/${sessionId}/messages`, { content: "after" });
    expect([200, 202]).toContain(after.status);
    const reply = await waitForReply(fx.api, sessionId, turnId);
    expect(reply.content).toContain("late but sure");
    const next = await waitForReply(fx.api, sessionId, after.parse(postedTurnSchema).turnId);
    expect(next.content).toBe("after");
    expect(next.seq).toBeGreaterThan(reply.seq);
  });

  it("answers a retry of a pending turn with the same turn, and with its reply once it is done", async () => {
    const sessionId = await fx.api.session("triage");
    const send = () =>
      fx.api.post(
        `/v1/sessions/${sessionId}/messages`,
        { content: "/delegate knowledge /slow 100 only once and for all, please" },
        { "idempotency-key": "retry-me" },
      );
    const first = await send();
    expect(first.status).toBe(202);
    const { turnId } = first.parse(pendingTurnSchema);
    const again = await send();
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ turnId, status: "pending" });
    await waitForReply(fx.api, sessionId, turnId);
    const done = await send();
    expect(done.status).toBe(200);
    expect(done.parse(turnResponseSchema).turnId).toBe(turnId);
    expect(await tasksOf(fx.api, sessionId)).toHaveLength(1);
  });

  it("refuses delegation beyond the depth limit", async () => {
    const sessionId = await fx.api.session("triage");
    const posted = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/delegate billing /delegate knowledge too-deep",
    });
    const reply = await waitForReply(fx.api, sessionId, posted.parse(postedTurnSchema).turnId);
    expect(reply.content).toContain("delegation depth limit reached");
    expect(await tasksOf(fx.api, sessionId)).toHaveLength(1);
  });
});

/** Polls history until the turn's final assistant message appears. */
async function waitForReply(api: Client, sessionId: string, turnId: string): Promise<Message> {
  return waitUntil(
    async () =>
      (await api.history(sessionId))
        .filter((m) => m.turnId === turnId && m.role === "assistant" && !m.toolCalls)
        .at(-1),
    (reply) => reply !== undefined,
    { what: `the reply of turn ${turnId}`, timeoutMs: 20_000, intervalMs: 100 },
  );
}
