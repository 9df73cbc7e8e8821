import { estimateTokens } from "./tokens";

/** Default context budget of an agent, in tokens. */
export const DEFAULT_CONTEXT_BUDGET = 8_000;

/** How a context budget is split between its parts. */
export interface BudgetPlan {
  /** tokens for the recent messages kept verbatim */
  window: number;
  /** compaction brings the verbatim window down to this */
  compactTo: number;
  /** the rolling summary is cut to this */
  summary: number;
  /** no single message may take more than this of the window */
  perMessage: number;
}

/** Share of the budget kept free for the turn's own tool steps and reply. */
const RESERVE_SHARE = 0.2;
/** Share of the budget the rolling summary may take. */
const SUMMARY_SHARE = 0.15;

/**
 * Splits an agent's budget: instructions and tool schemas are fixed costs, the summary is
 * capped, a reserve is left for the turn's own steps, and the rest holds recent messages.
 * Compaction halves the window so it runs once per ~half a window of new history, which
 * keeps its cost per turn constant however long the history grows.
 */
export function planBudget(budget: number, fixedText: string): BudgetPlan {
  const summary = Math.floor(budget * SUMMARY_SHARE);
  const reserve = Math.floor(budget * RESERVE_SHARE);
  const window = Math.max(256, budget - reserve - summary - estimateTokens(fixedText));
  return {
    window,
    compactTo: Math.floor(window / 2),
    summary,
    perMessage: Math.floor(window / 2),
  };
}
