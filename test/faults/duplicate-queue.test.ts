import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";
import { sessionTree, usageBalances } from "./support/audit.ts";
import { chaosQueue, chaosStats } from "./support/chaos-queue.ts";
import { seedOf } from "./support/seeded.ts";
import { TurnTally } from "./support/tally.ts";

const COORDINATORS = 10;
const SEED = seedOf(1_202);

/** A coordinator's message: five tasks, one of them two levels down and one failing its first attempt. */
function fanOut(c: number): { content: string; markers: string[] } {
  const markers = Array.from({ length: 5 }, (_, i) => `task-${c}-${i}`);
  const lines = [
    `/delegate knowledge ${markers[0]}`,
    `/delegate billing ${markers[1]}`,
    `/delegate knowledge ${markers[2]}`,
    `/delegate billing /delegate knowledge ${markers[3]}`,
    `/delegate knowledge /fail-task 1 ${markers[4]}`,
  ];
  return { content: lines.join("\n"), markers };
}

describe("a task queue that delivers every message twice and out of order", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({
      vars: { EDGENT_DEV_MODE: "true", EDGENT_USAGE_REPORT_SECONDS: "1", EDGENT_TASK_RETRY_BASE_SECONDS: "1" },
      ...chaosQueue(SEED),
    });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("records exactly one result per task, and every coordinator's turn completes", async () => {
    const tally = new TurnTally(`queue delivering twice, out of order (seed ${SEED})`);
    const sessions = await Promise.all(Array.from({ length: COORDINATORS }, () => api.session("triage")));
    const replies = await Promise.all(
      sessions.map(async (sessionId, c) => {
        const { content, markers } = fanOut(c);
        const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content });
        return { sessionId, markers, reply };
      }),
    );
    for (const { sessionId, markers, reply } of replies) {
      if (reply.status !== 200) {
        tally.record("lost", `${sessionId}: ${reply.status} ${reply.text.slice(0, 200)}`);
        continue;
      }
      const turn = reply.parse(turnResponseSchema);
      const complete = turn.status === "completed" && markers.every((marker) => turn.reply.content.includes(marker));
      tally.record(complete ? "completed" : "lost", `${sessionId}: ${turn.reply.content.slice(0, 300)}`);
    }

    const tree = await sessionTree(runtime.mf, "dev", sessions);
    const tasks = tree.flatMap((session) => session.tasks);
    tally.audit(tree);
    for (const session of tree) {
      // one result per delegate call, and each task completed once
      for (const message of session.messages) {
        for (const call of message.toolCalls ?? []) {
          const results = session.messages.filter((m) => m.role === "tool" && m.toolCallId === call.toolCallId);
          const what = `${session.sessionId}: call ${call.toolCallId} has ${results.length} results`;
          if (results.length > 1) tally.duplicated(what);
          else if (results.length === 0) tally.losses.push(what);
        }
      }
      for (const task of session.tasks) expect(task.status, task.taskId).toBe("completed");
      // a sub-agent ran its task's work once: one turn that completed (a failed first attempt aside)
      if (session.sessionId.startsWith("task:")) {
        const replies = session.messages.filter((m) => m.role === "assistant" && !m.toolCalls);
        if (replies.length > 1) tally.duplicated(`${session.sessionId}: the task's work ran ${replies.length} times`);
        else if (replies.length === 0) tally.losses.push(`${session.sessionId}: the task's work never completed`);
      }
    }
    // every message was passed on twice
    const stats = await waitUntil(
      () => chaosStats(runtime.mf),
      (s) => s.received > 0,
      { what: "the chaos queue's counts" },
    );
    expect(stats.sent).toBe(2 * stats.received);
    expect(stats.received).toBeGreaterThanOrEqual(tasks.length);
    const usage = await usageBalances(api, tree);
    tally.print({
      tasks: tasks.length,
      messages_received: stats.received,
      deliveries_sent: stats.sent,
      retried_tasks: tasks.filter((task) => task.attempts > 1).length,
      calls: usage.totals.calls,
    });
    expect(tally.problems()).toEqual([]);
  });
});
