import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type TaskView, taskDetailPageSchema, taskListSchema } from "../../shared/contracts/task";
import { Client } from "../support/client.ts";
import { rejoinTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";
import { type AuditedSession, sessionTree, usageBalances } from "./support/audit.ts";
import { TurnTally } from "./support/tally.ts";

const VARS = {
  EDGENT_DEV_MODE: "true",
  EDGENT_USAGE_REPORT_SECONDS: "1",
  // a task whose delivery a restart lost times out here, and its turn goes on without it
  EDGENT_TASK_TIMEOUT_MS: "20000",
  EDGENT_TASK_RETRY_BASE_SECONDS: "2",
};
const slow = (label: string) => `/slow 100 ${label} ${Array.from({ length: 50 }, (_, i) => `w${i}`).join(" ")}`;
const ENDED = ["completed", "failed", "cancelled", "input_required"];
const TASK_ENDED = ["completed", "failed", "timed_out"];

/** Where a delegating turn was when the runtime stopped. */
interface Case {
  name: string;
  /** the parent's message */
  content: string;
  /** the state to wait for before the runtime stops */
  cutWhen(tasks: TaskView[], api: Client, sessionId: string): Promise<boolean>;
}

async function tasksOf(api: Client, sessionId: string): Promise<TaskView[]> {
  return (await api.get(`/v1/sessions/${sessionId}/tasks`)).parse(taskListSchema).tasks;
}

async function subMessages(api: Client, sessionId: string, taskId: string): Promise<number> {
  const reply = await api.get(`/v1/sessions/${sessionId}/tasks/${taskId}`);
  return reply.status === 200 ? reply.parse(taskDetailPageSchema).messages.length : 0;
}

const CASES: Case[] = [
  {
    name: "parent waiting, sub-agent mid-attempt",
    content: `/delegate knowledge ${slow("mid-attempt")}`,
    cutWhen: async (tasks, api, sessionId) =>
      tasks[0]?.status === "running" && (await subMessages(api, sessionId, tasks[0].taskId)) >= 1,
  },
  {
    name: "task back in the queue for a retry",
    content: "/delegate knowledge /fail-task 1 retried-after-restart",
    // its first attempt failed: the message waits in the queue for its retry
    cutWhen: async (tasks) => (tasks[0]?.attempts ?? 0) >= 1 && tasks[0]?.status !== "completed",
  },
  {
    name: "two levels down, the middle sub-agent waiting",
    content: `/delegate billing /delegate knowledge ${slow("nested")}`,
    cutWhen: async (tasks) => tasks[0]?.status === "running",
  },
  {
    name: "fan-out of three, one finished",
    content: [
      "/delegate knowledge fast-one",
      `/delegate billing ${slow("fan-a")}`,
      `/delegate knowledge ${slow("fan-b")}`,
    ].join("\n"),
    cutWhen: async (tasks) => tasks.length === 3 && tasks.some((task) => task.status === "completed"),
  },
];

/** What is wrong with a delegating session: every delegate call has exactly one result, and every task one outcome. */
function delegationFaults(session: AuditedSession): Array<{ kind: "lost" | "duplicated"; what: string }> {
  const faults: Array<{ kind: "lost" | "duplicated"; what: string }> = [];
  for (const message of session.messages) {
    for (const call of (message.toolCalls ?? []).filter((c) => c.toolName === "delegate")) {
      // call ids are unique within a turn (a model may number its calls afresh in every turn)
      const results = session.messages.filter(
        (m) => m.role === "tool" && m.turnId === message.turnId && m.toolCallId === call.toolCallId,
      );
      const what = `call ${call.toolCallId} of turn ${message.turnId} has ${results.length} results`;
      if (results.length > 1) faults.push({ kind: "duplicated", what });
      else if (results.length === 0) faults.push({ kind: "lost", what });
    }
  }
  for (const task of session.tasks) {
    if (!TASK_ENDED.includes(task.status))
      faults.push({ kind: "lost", what: `task ${task.taskId} is still ${task.status}` });
  }
  return faults;
}

/** How a turn ended, read from its rejoined stream (to its end), or from the status a 204 names. */
async function turnEnd(base: URL, sessionId: string, turnId: string): Promise<string> {
  const { status, events, headers } = await rejoinTurn(base, sessionId, turnId);
  if (status === 204) return headers.get("edgent-turn-status") ?? "unknown";
  const last = events.at(-1)?.frame;
  if (last?.type === "done") return last.body.status;
  if (last?.type === "error") return "failed";
  return last?.type === "turn" ? last.status : `no end (${status})`;
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("the runtime stopped mid-delegation and started again on the same state", () => {
  it("ends every delegating turn, each task with exactly one result, and the sessions go on", async () => {
    const persistPath = mkdtempSync(join(tmpdir(), "edgent-faults-delegation-"));
    folders.push(persistPath);
    let runtime: Runtime = await startRuntime({ vars: VARS, persistPath });
    let api = new Client(runtime.url);
    const tally = new TurnTally("restart mid-delegation");
    const sessions = await Promise.all(CASES.map(() => api.session("triage")));
    const keys = CASES.map(() => `delegating-${crypto.randomUUID()}`);
    const inFlight = CASES.map((c, i) =>
      api
        .post(`/v1/sessions/${sessions[i]}/messages`, { content: c.content }, { "idempotency-key": keys[i] as string })
        .catch(() => undefined),
    );
    await Promise.all(
      CASES.map((c, i) => {
        const sessionId = sessions[i] as string;
        return waitUntil(
          async () => c.cutWhen(await tasksOf(api, sessionId), api, sessionId),
          (ready) => ready,
          { what: `${c.name}: the state to cut`, timeoutMs: 20_000 },
        );
      }),
    );
    await runtime.dispose();
    await Promise.all(inFlight);

    runtime = await startRuntime({ vars: VARS, persistPath });
    api = new Client(runtime.url);
    for (const [i, c] of CASES.entries()) {
      const sessionId = sessions[i] as string;
      const [user] = await api.history(sessionId);
      if (!user) {
        tally.record("lost", `${c.name}: no user message`);
        continue;
      }
      // the turn goes on in the new life: its stream (from there on) ends with it
      const status = await waitUntil(
        () => turnEnd(runtime.url, sessionId, user.turnId),
        (value) => ENDED.includes(value),
        { what: `${c.name}: the delegating turn to end`, timeoutMs: 60_000 },
      );
      const history = await api.history(sessionId);
      const replied = history.at(-1)?.role === "assistant" && history.at(-1)?.turnId === user.turnId;
      // the client whose request the restart cut off sends it again: it gets the turn's end, and nothing is appended
      const retry = await api.post(
        `/v1/sessions/${sessionId}/messages`,
        { content: c.content },
        { "idempotency-key": keys[i] as string },
      );
      const appended = (await api.history(sessionId)).length - history.length;
      if (appended > 0) tally.duplicated(`${c.name}: its retry appended ${appended} messages`);
      if (status === "completed" && replied && retry.status === 200) tally.record("completed");
      else if (status === "failed" && retry.code) tally.failedWith(retry.code);
      else tally.record("lost", `${c.name}: ended ${status}, replied ${replied}, its retry answers ${retry.status}`);
    }
    // every session goes on
    for (const sessionId of sessions) {
      const after = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "/delegate knowledge after" });
      tally.record(after.status === 200 ? "completed" : "lost", `a turn after the restart: ${after.status}`);
    }

    // a sub-agent's own tasks have deadlines of their own, which may come after its parent gave up on it
    const tree = await waitUntil(
      () => sessionTree(runtime.mf, "dev", sessions),
      (found) => found.every((session) => delegationFaults(session).every((fault) => fault.kind !== "lost")),
      { what: "every task in the tree to have its outcome", timeoutMs: 60_000, intervalMs: 500 },
    );
    tally.audit(tree);
    for (const session of tree) {
      for (const fault of delegationFaults(session)) {
        if (fault.kind === "duplicated") tally.duplicated(`${session.sessionId}: ${fault.what}`);
        else tally.losses.push(`${session.sessionId}: ${fault.what}`);
      }
    }
    const usage = await usageBalances(api, tree);
    const tasks = tree.flatMap((session) => session.tasks);
    tally.print({
      sessions: tree.length,
      tasks: tasks.length,
      tasks_completed: tasks.filter((task) => task.status === "completed").length,
      tasks_timed_out: tasks.filter((task) => task.status === "timed_out").length,
      tasks_failed: tasks.filter((task) => task.status === "failed").length,
      calls: usage.totals.calls,
    });
    expect(tally.problems()).toEqual([]);
    await runtime.dispose();
  });
});
