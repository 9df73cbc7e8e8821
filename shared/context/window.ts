import type { MessageRole } from "../contracts/message";

/** What the window planner needs to know of a stored message. */
export interface WindowEntry {
  seq: number;
  role: MessageRole;
  tokens: number;
}

/** The outcome of planning a context: keep all, or compact the oldest part first. */
export type WindowPlan =
  | { status: "fits" }
  | {
      status: "compact";
      /** messages with seq <= throughSeq go into the summary */
      throughSeq: number;
    };

/**
 * Decides whether the unsummarized history (oldest first) still fits the window, and if
 * not where to cut it. The cut lands just before a user message so a tool call is never
 * separated from its result, and keeps at most `compactTo` tokens verbatim. The newest
 * user message is never summarized away.
 */
export function planWindow(entries: readonly WindowEntry[], window: number, compactTo: number): WindowPlan {
  let total = 0;
  for (const entry of entries) total += entry.tokens;
  if (total <= window) return { status: "fits" };

  let kept = 0;
  let cutIndex = entries.length; // index of the first kept entry
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] as WindowEntry;
    kept += entry.tokens;
    if (entry.role === "user") {
      if (kept > compactTo && cutIndex < entries.length) break;
      cutIndex = i;
    }
  }
  if (cutIndex === 0 || cutIndex >= entries.length) {
    // no user boundary to cut at besides the very start: nothing can be summarized
    return { status: "fits" };
  }
  return { status: "compact", throughSeq: (entries[cutIndex - 1] as WindowEntry).seq };
}
