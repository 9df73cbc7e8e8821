/** How a turn of a fault scenario came out. */
export type TurnEnd = "completed" | "failed_cleanly" | "lost";

/** Counts a scenario's turns by how they ended, and prints the totals. */
export class TurnTally {
  attempted = 0;
  completed = 0;
  failedCleanly = 0;
  lost = 0;
  /** why each lost turn counts as lost, for the failure message */
  readonly losses: string[] = [];

  constructor(readonly scenario: string) {}

  record(end: TurnEnd, why = ""): void {
    this.attempted++;
    if (end === "completed") this.completed++;
    else if (end === "failed_cleanly") this.failedCleanly++;
    else {
      this.lost++;
      this.losses.push(why);
    }
  }

  /** Prints the totals as one line (the suite's report), and returns it. */
  print(extra: Record<string, number | string> = {}): string {
    const fields = {
      attempted: this.attempted,
      completed: this.completed,
      failed_cleanly: this.failedCleanly,
      lost: this.lost,
      ...extra,
    };
    const line = `[faults] ${this.scenario}: ${Object.entries(fields)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ")}`;
    console.log(line);
    return line;
  }
}
