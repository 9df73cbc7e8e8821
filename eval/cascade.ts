// `npm run eval:cascade -- --tasks FILE`: runs a JSONL task set ({"input","expected"} per line)
// through three configurations (local-only, central-only, cascade) and prints accuracy,
// escalation rate and cost per correct answer. It runs the real bundle on loopback; with
// no settings it uses the builtin models offline. To evaluate real providers, set the usual
// variables in the environment, e.g. EDGENT_DEFAULT_MODEL=openai:gpt-4o-mini
// EDGENT_DEFAULT_CENTRAL_MODEL=openai:gpt-4o OPENAI_BASE_URL=... OPENAI_API_KEY=...
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildBundle, startRuntime } from "../test/support/runtime.ts";

interface Task {
  input: string;
  expected: string;
}

interface TurnReply {
  reply: { content: string };
  usage: { costUsd: number };
  answeredBy: { tier: string; escalation?: { signal: string } };
}

const { values } = parseArgs({ options: { tasks: { type: "string", default: "eval/tasks.jsonl" } } });
const tasksPath = resolve(process.cwd(), values.tasks as string);
const tasks: Task[] = readFileSync(tasksPath, "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line, index) => {
    const task = JSON.parse(line) as Partial<Task>;
    if (typeof task.input !== "string" || typeof task.expected !== "string") {
      throw new Error(`${tasksPath}:${index + 1}: each line needs string "input" and "expected"`);
    }
    return task as Task;
  });

// settings for the runtime come from the environment, as in production
const passthrough = Object.fromEntries(
  Object.entries(process.env).filter(([key, value]) => /^(EDGENT_|OPENAI_)/.test(key) && value),
) as Record<string, string>;
const local = passthrough.EDGENT_DEFAULT_MODEL ?? "builtin:echo";
const central = passthrough.EDGENT_DEFAULT_CENTRAL_MODEL ?? "builtin:central";

const configurations: Array<{ name: string; vars: Record<string, string> }> = [
  { name: "local-only", vars: { EDGENT_ESCALATION: "off" } },
  { name: "central-only", vars: { EDGENT_ESCALATION: "off", EDGENT_DEFAULT_MODEL: central } },
  { name: "cascade", vars: {} },
];

buildBundle();
const rows: string[] = [];
for (const configuration of configurations) {
  const runtime = await startRuntime({ vars: { ...passthrough, EDGENT_DEV_MODE: "true", ...configuration.vars } });
  try {
    let correct = 0;
    let escalated = 0;
    let cost = 0;
    let failed = 0;
    for (const task of tasks) {
      const headers = { authorization: "Bearer dev-token", "content-type": "application/json" };
      const sessionId = `eval-${crypto.randomUUID()}`;
      await fetch(new URL("/v1/sessions", runtime.url), {
        method: "POST",
        headers,
        body: JSON.stringify({ agent: "assistant", sessionId }),
      });
      const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, runtime.url), {
        method: "POST",
        headers,
        body: JSON.stringify({ content: task.input }),
      });
      if (!response.ok) {
        failed++;
        continue;
      }
      const turn = (await response.json()) as TurnReply;
      cost += turn.usage.costUsd;
      if (turn.answeredBy.escalation && turn.answeredBy.tier === "central") escalated++;
      if (turn.reply.content.toLowerCase().includes(task.expected.toLowerCase())) correct++;
    }
    const perCorrect = correct > 0 ? `$${(cost / correct).toFixed(8)}` : "n/a";
    rows.push(
      `| ${configuration.name.padEnd(12)} | ${`${correct}/${tasks.length}`.padEnd(8)} ${((100 * correct) / tasks.length).toFixed(0).padStart(3)}% | ${((100 * escalated) / tasks.length).toFixed(0).padStart(3)}% | $${cost.toFixed(8)} | ${perCorrect} | ${failed} |`,
    );
  } finally {
    await runtime.dispose();
  }
}
console.log(`tasks: ${tasksPath} (${tasks.length}); local: ${local}; central: ${central}
| configuration | accuracy      | escalated | cost          | cost per correct | failed |
|---------------|---------------|-----------|---------------|------------------|--------|
${rows.join("\n")}`);
