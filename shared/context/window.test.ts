import { describe, expect, it } from "vitest";
import { planWindow, type WindowEntry } from "./window";

function turns(count: number, tokensEach: number): WindowEntry[] {
  const entries: WindowEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({ seq: entries.length + 1, role: "user", tokens: tokensEach });
    entries.push({ seq: entries.length + 1, role: "assistant", tokens: tokensEach });
  }
  return entries;
}

describe("planWindow", () => {
  it("keeps everything while the history fits the window", () => {
    expect(planWindow(turns(5, 10), 100, 50)).toEqual({ status: "fits" });
  });

  it("cuts at a user message and keeps at most compactTo tokens verbatim", () => {
    const plan = planWindow(turns(10, 10), 100, 50);
    // 20 entries of 10 tokens; keep the newest 2 turns (40 tokens) — a third would make 60
    expect(plan).toEqual({ status: "compact", throughSeq: 16 });
  });

  it("never separates a tool call from its result", () => {
    const entries: WindowEntry[] = [
      { seq: 1, role: "user", tokens: 50 },
      { seq: 2, role: "assistant", tokens: 50 },
      { seq: 3, role: "user", tokens: 10 },
      { seq: 4, role: "assistant", tokens: 10 },
      { seq: 5, role: "tool", tokens: 40 },
      { seq: 6, role: "assistant", tokens: 10 },
    ];
    expect(planWindow(entries, 100, 30)).toEqual({ status: "compact", throughSeq: 2 });
  });

  it("keeps the newest turn whole even when it alone exceeds compactTo", () => {
    const entries: WindowEntry[] = [
      { seq: 1, role: "user", tokens: 80 },
      { seq: 2, role: "assistant", tokens: 80 },
      { seq: 3, role: "user", tokens: 70 },
    ];
    expect(planWindow(entries, 100, 50)).toEqual({ status: "compact", throughSeq: 2 });
  });

  it("cannot compact a single oversized turn", () => {
    const entries: WindowEntry[] = [
      { seq: 1, role: "user", tokens: 80 },
      { seq: 2, role: "assistant", tokens: 80 },
    ];
    expect(planWindow(entries, 100, 50)).toEqual({ status: "fits" });
  });
});
