/** A central budget's period: tokens are counted per UTC hour, day or month. */
export type BudgetPeriod = "hour" | "day" | "month";

/** The start of the budget period that contains `now`, as a key, and when it ends. */
export function budgetPeriod(period: BudgetPeriod, now: number): { key: string; endsAt: number } {
  const date = new Date(now);
  if (period === "hour") {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours());
    return { key: new Date(start).toISOString().slice(0, 13), endsAt: start + 3_600_000 };
  }
  if (period === "month") {
    return {
      key: date.toISOString().slice(0, 7),
      endsAt: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
    };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return { key: date.toISOString().slice(0, 10), endsAt: start + 86_400_000 };
}
