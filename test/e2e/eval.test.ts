import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("npm run eval:cascade", () => {
  it("evaluates the shipped task set offline and shows the cascade's trade-off", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["eval/cascade.ts", "--tasks", "eval/tasks.jsonl"], {
      cwd: root,
      // only the shipped builtin models: no settings from the caller's environment
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(EDGENT_|OPENAI_)/.test(key))),
      timeout: 120_000,
    });
    const row = (name: string) => {
      const line = stdout.split("\n").find((l) => l.startsWith(`| ${name} `));
      const match = /\|\s*(\d+)\/(\d+)\s+\d+%\s*\|\s*(\d+)%\s*\|\s*\$([\d.]+)/.exec(line ?? "");
      if (!match) throw new Error(`no row for ${name} in:\n${stdout}`);
      return { correct: Number(match[1]), escalated: Number(match[3]), cost: Number(match[4]) };
    };
    const local = row("local-only");
    const central = row("central-only");
    const cascade = row("cascade");
    expect(local.escalated).toBe(0);
    expect(cascade.correct).toBeGreaterThan(local.correct);
    expect(cascade.cost).toBeLessThan(central.cost);
    expect(cascade.escalated).toBeGreaterThan(0);
  }, 180_000);
});
