import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { formatTotals, type ScenarioTotals } from "./tally.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** where each fault scenario appends its totals (one JSON line), for the suite's report */
    faultTotalsFile: string;
  }
}

/** The scenarios' totals summed. */
export function sumTotals(scenarios: ScenarioTotals[]): Omit<ScenarioTotals, "scenario"> {
  const sum: Omit<ScenarioTotals, "scenario"> = {
    attempted: 0,
    completed: 0,
    failedCleanly: 0,
    codes: {},
    lost: 0,
    duplicated: 0,
    reordered: 0,
  };
  for (const s of scenarios) {
    sum.attempted += s.attempted;
    sum.completed += s.completed;
    sum.failedCleanly += s.failedCleanly;
    sum.lost += s.lost;
    sum.duplicated += s.duplicated;
    sum.reordered += s.reordered;
    for (const [code, count] of Object.entries(s.codes)) sum.codes[code] = (sum.codes[code] ?? 0) + count;
  }
  return sum;
}

/**
 * The fault suite's report: gives every scenario a file to add its totals to, and at the end
 * prints them and their sum, and fails the run if any turn was lost, duplicated or reordered,
 * or if no scenario reported.
 */
export default function setup(project: TestProject): () => void {
  const folder = mkdtempSync(join(tmpdir(), "edgent-fault-totals-"));
  const file = join(folder, "totals.jsonl");
  project.provide("faultTotalsFile", file);
  return () => {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    rmSync(folder, { recursive: true, force: true });
    const scenarios = lines.map((line) => JSON.parse(line) as ScenarioTotals);
    const sum = sumTotals(scenarios);
    const report = [
      "",
      "[faults] totals by scenario:",
      ...scenarios.map((s) => `  ${s.scenario}: ${formatTotals(s)}`),
      `[faults] TOTAL (${scenarios.length} scenarios): ${formatTotals(sum)}`,
      "",
    ];
    console.log(report.join("\n"));
    if (scenarios.length === 0) throw new Error("no fault scenario reported its totals");
    if (sum.lost > 0 || sum.duplicated > 0 || sum.reordered > 0) {
      throw new Error(
        `fault suite: ${sum.lost} lost, ${sum.duplicated} duplicated, ${sum.reordered} reordered (all must be 0)`,
      );
    }
  };
}
