import { describe, expect, it } from "vitest";
import { z } from "zod";
import { taskViewSchema } from "../../shared/contracts/task.ts";
import { useRuntime } from "../support/fixture.ts";

const tasksSchema = z.object({ tasks: z.array(taskViewSchema) });

/** The `hr` coordinator's message handing one task to each of its delegates. */
function situation(parts: { compliance: string; legal: string; benefits: string }): string {
  return Object.entries(parts)
    .map(([agent, task]) => `/delegate ${agent} ${task}`)
    .join("\n");
}

describe("the HR fleet: per-delegate fallbacks and deadlines", () => {
  // legal's deadline is short here so that a slow legal review times out within the test
  const fx = useRuntime({
    EDGENT_TASK_RETRY_BASE_SECONDS: "1",
    EDGENT_DELEGATE_TIMEOUTS_MS: JSON.stringify({ "hr.legal": 1_000 }),
  });

  async function tasks(sessionId: string) {
    const reply = await fx.api.get(`/v1/sessions/${sessionId}/tasks`);
    expect(reply.status).toBe(200);
    return tasksSchema.parse(reply.json).tasks;
  }

  it("hands each part of a sensitive situation to its specialist and combines their answers", async () => {
    const sessionId = await fx.api.session("hr");
    const turn = await fx.api.say(
      sessionId,
      situation({
        compliance: "harassment complaint: which policies and duties apply",
        legal: "retaliation protections for the reporter",
        benefits: "counselling support for the reporter",
      }),
    );
    for (const part of ["harassment complaint", "retaliation protections", "counselling support"]) {
      expect(turn.reply.content).toContain(part);
    }
    const done = await tasks(sessionId);
    expect(done.map((task) => [task.agent, task.status])).toEqual([
      ["compliance", "completed"],
      ["legal", "completed"],
      ["benefits", "completed"],
    ]);
  });

  it("completes the request when one delegate fails and another times out", async () => {
    const sessionId = await fx.api.session("hr");
    const turn = await fx.api.say(
      sessionId,
      situation({
        // every attempt fails: after its retries the task goes to compliance's own fallback
        compliance: "/fail-task 9 harassment complaint duties",
        // answers long after legal's one-second deadline: the compensating action runs instead
        legal: "/slow 1500 review retaliation risk",
        benefits: "leave options for the reporter",
      }),
    );
    expect(turn.reply.content).not.toContain("Tool delegate failed");
    const results = turn.messages
      .filter((m) => m.role === "tool")
      .map((m) => JSON.parse(m.content) as { agent: string; status: string; result: string; insteadOf?: unknown });
    const byAgent = Object.fromEntries(results.map((r) => [r.agent, r]));
    // compliance failed for good: hr-generalist, its declared fallback, answered instead
    expect(byAgent["hr-generalist"]).toMatchObject({
      status: "completed",
      insteadOf: { agent: "compliance", status: "failed" },
    });
    expect(byAgent["hr-generalist"]?.result).toContain("could not complete this task");
    // legal timed out and has no fallback: its compensating action opened a case with external counsel
    expect(byAgent.legal).toMatchObject({ status: "compensated", failure: { agent: "legal", status: "timed_out" } });
    expect(byAgent.legal?.result).toMatch(/Case LEG-\d{5} was opened with external counsel/);
    expect(byAgent.benefits).toMatchObject({ status: "completed" });
    expect(byAgent.benefits?.result).toContain("leave options for the reporter");

    const recorded = await tasks(sessionId);
    const compliance = recorded.find((task) => task.agent === "compliance");
    expect(compliance).toMatchObject({ status: "failed", attempts: 3 });
    expect(recorded.find((task) => task.agent === "hr-generalist")).toMatchObject({
      status: "completed",
      fallbackFor: compliance?.taskId,
    });
    expect(recorded.find((task) => task.agent === "legal")).toMatchObject({ status: "timed_out" });
    expect(recorded.find((task) => task.agent === "benefits")).toMatchObject({ status: "completed" });
  });
});
