import { appendFileSync } from "node:fs";
import { inject } from "vitest";
import { type AuditedSession, historyFaults } from "./audit.ts";

/** How a turn of a fault scenario came out, when it did not fail cleanly (see `failedWith`). */
export type TurnEnd = "completed" | "lost";

/** A scenario's totals, as written for the suite's report (`totals.ts`). */
export interface ScenarioTotals {
  scenario: string;
  attempted: number;
  completed: number;
  failedCleanly: number;
  /** clean failures by their error code */
  codes: Record<string, number>;
  lost: number;
  duplicated: number;
  reordered: number;
}

/**
 * Counts a scenario's turns by how they ended (completed, failed cleanly with an error code,
 * lost), and what ran or arrived twice or out of order; prints the totals and hands them to
 * the suite's report.
 */
export class TurnTally {
  attempted = 0;
  completed = 0;
  failedCleanly = 0;
  lost = 0;
  readonly codes = new Map<string, number>();
  /** why each lost turn counts as lost */
  readonly losses: string[] = [];
  /** what was stored, run, answered or delivered twice */
  readonly duplicates: string[] = [];
  /** what came out of order */
  readonly reorders: string[] = [];

  constructor(readonly scenario: string) {}

  /** A turn that completed, or was lost (`why` says how). */
  record(end: TurnEnd, why = ""): void {
    this.attempted++;
    if (end === "completed") this.completed++;
    else {
      this.lost++;
      this.losses.push(why);
    }
  }

  /** A turn that failed cleanly: an error with this code, its user message stored. */
  failedWith(code: string): void {
    this.attempted++;
    this.failedCleanly++;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  /** Something stored, run, answered or delivered a second time. */
  duplicated(what: string): void {
    this.duplicates.push(what);
  }

  /** Something that came out of order. */
  reordered(what: string): void {
    this.reorders.push(what);
  }

  /** Counts what is wrong with the sessions' histories: gaps are lost, repeats duplicated, split turns reordered. */
  audit(sessions: AuditedSession[]): void {
    for (const session of sessions) {
      for (const fault of historyFaults(session.messages)) {
        const what = `${session.sessionId}: ${fault.what}`;
        if (fault.kind === "duplicated") this.duplicated(what);
        else if (fault.kind === "reordered") this.reordered(what);
        else this.losses.push(what);
      }
    }
  }

  /** Everything that must not happen: lost turns and messages, duplicates, reorders (empty in a passing run). */
  problems(): string[] {
    return [
      ...this.losses.map((why) => `lost: ${why}`),
      ...this.duplicates.map((what) => `duplicated: ${what}`),
      ...this.reorders.map((what) => `reordered: ${what}`),
    ];
  }

  /** The totals as written for the suite's report. */
  totals(): ScenarioTotals {
    return {
      scenario: this.scenario,
      attempted: this.attempted,
      completed: this.completed,
      failedCleanly: this.failedCleanly,
      codes: Object.fromEntries(this.codes),
      lost: this.losses.length,
      duplicated: this.duplicates.length,
      reordered: this.reorders.length,
    };
  }

  /** Prints the totals as one line and adds them to the suite's report; returns the line. */
  print(extra: Record<string, number | string> = {}): string {
    const totals = this.totals();
    const line = `[faults] ${this.scenario}: ${formatTotals(totals)}${Object.entries(extra)
      .map(([name, value]) => ` ${name}=${value}`)
      .join("")}`;
    console.log(line);
    appendFileSync(inject("faultTotalsFile"), `${JSON.stringify(totals)}\n`);
    return line;
  }
}

/** `attempted= completed= failed_cleanly= (code=n …) lost= duplicated= reordered=`. */
export function formatTotals(totals: Omit<ScenarioTotals, "scenario">): string {
  const codes = Object.entries(totals.codes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code}=${count}`)
    .join(" ");
  return [
    `attempted=${totals.attempted}`,
    `completed=${totals.completed}`,
    `failed_cleanly=${totals.failedCleanly}${codes ? ` (${codes})` : ""}`,
    `lost=${totals.lost}`,
    `duplicated=${totals.duplicated}`,
    `reordered=${totals.reordered}`,
  ].join(" ");
}
