import { generateText, type ModelMessage } from "ai";
import type { BudgetPlan } from "../../../shared/context/budget";
import { COMPACTION_INSTRUCTIONS } from "../../../shared/context/compaction";
import { estimateTokens, truncateToTokens } from "../../../shared/context/tokens";
import { planWindow } from "../../../shared/context/window";
import { log } from "../../../shared/log";
import type { ContextRow } from "../storage/rows";
import type { TurnRun } from "./run";
import { toModelMessages } from "./transcript";

/** What a turn hands its model: instructions with the rolling summary, and recent messages. */
export interface TurnContext {
  instructions: string;
  messages: ModelMessage[];
  /** the context's estimated size: instructions and summary, plus the messages as they count against the window */
  tokens: number;
  compacted: boolean;
}

/** What building a context needs besides the run. */
export interface ContextOptions {
  plan: BudgetPlan;
  /** seq of this turn's user message: it is given to the model whole, never cut */
  currentSeq: number;
}

/**
 * Builds the model's context for a turn. Reads only the unsummarized tail of history, newest
 * first, and stops once the window is full, so the cost does not grow with history. When the
 * tail outgrows the window, its older part is folded into the rolling summary by the model.
 */
export async function buildContext(run: TurnRun, options: ContextOptions): Promise<TurnContext> {
  const { store, session: meta } = run;
  const { plan } = options;
  const tail: ContextRow[] = [];
  let tokens = 0;
  for (const row of store.contextRowsNewestFirst(meta.summaryThroughSeq)) {
    tail.push(row);
    tokens += Math.min(row.tokens, plan.perMessage);
    if (tokens > plan.window) break;
  }
  tail.reverse();

  let summary = meta.summary;
  let kept = tail;
  let compacted = false;
  const entries = tail.map((row) => ({ seq: row.seq, role: row.role, tokens: Math.min(row.tokens, plan.perMessage) }));
  const cut = planWindow(entries, plan.window, plan.compactTo);
  if (cut.status === "compact") {
    try {
      summary = await compact(run, plan, cut.throughSeq);
      kept = tail.filter((row) => row.seq > cut.throughSeq);
      compacted = true;
    } catch (error) {
      // nothing was folded into the summary: keep as much recent history as fits the window
      const fallback = planWindow(entries, plan.window, plan.window);
      if (fallback.status === "compact") kept = tail.filter((row) => row.seq > fallback.throughSeq);
      // the turn goes on with the old summary; the next turn tries again
      log({
        event: "notice",
        level: "warn",
        message: "compaction failed",
        tenant: meta.tenant,
        sessionId: meta.sessionId,
        turnId: run.turnId,
        errorName: error instanceof Error ? error.name : "unknown",
      });
    }
  }

  const instructions = summary
    ? `${run.agent.instructions}\n\nSummary of the earlier conversation:\n${summary}`
    : run.agent.instructions;
  let size = estimateTokens(instructions);
  for (const row of kept) size += row.seq >= options.currentSeq ? row.tokens : Math.min(row.tokens, plan.perMessage);
  return {
    instructions,
    messages: toModelMessages(kept, plan.perMessage, options.currentSeq),
    tokens: size,
    compacted,
  };
}

/** Folds messages up to `throughSeq` into the summary and stores it; returns the new summary. */
async function compact(run: TurnRun, plan: BudgetPlan, throughSeq: number): Promise<string> {
  const { store, session: meta } = run;
  const lines: string[] = [];
  let tokens = 0;
  for (const row of store.contextRowsNewestFirst(meta.summaryThroughSeq)) {
    if (row.seq > throughSeq) continue;
    const line = transcriptLine(row);
    // a backlog larger than a window only builds up after failed compactions: keep its newest part
    if (tokens + line.length / 4 > plan.window) {
      lines.push("(older messages omitted)");
      break;
    }
    tokens += line.length / 4;
    lines.push(line);
  }
  lines.reverse();

  const result = await generateText({
    model: run.model("local", "compaction"),
    instructions: COMPACTION_INSTRUCTIONS,
    prompt: `Previous summary:\n${meta.summary || "(none)"}\n\nNew messages:\n${lines.join("\n")}`,
    maxOutputTokens: plan.summary,
    maxRetries: 0,
    telemetry: { isEnabled: false },
  });
  const summary = await run.out.summary(truncateToTokens(result.text.trim(), plan.summary));
  store.setSummary(summary, throughSeq);
  return summary;
}

function transcriptLine(row: ContextRow): string {
  const content = truncateToTokens(row.content.replace(/\s+/g, " "), 100);
  if (row.role === "tool") return `tool ${row.toolName ?? ""}${row.isError ? " (error)" : ""}: ${content}`;
  const calls = (row.toolCalls ?? []).map((call) => `${call.toolName}(${JSON.stringify(call.input)})`).join(", ");
  return calls ? `${row.role}: ${content} [called ${calls}]` : `${row.role}: ${content}`;
}
