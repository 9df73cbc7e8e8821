import { describe, expect, it } from "vitest";
import { combineHooks, type OutputItem, type ToolCall, type TurnHooks } from "./hooks";

const call: ToolCall = { toolCallId: "c1", toolName: "calculator", input: {}, startedAt: 0 };

describe("combineHooks", () => {
  it("adds no hook where no set has one, so the pipeline's fast paths stay fast", () => {
    expect(combineHooks([])).toEqual({});
    expect(Object.keys(combineHooks([{ event: () => undefined }, {}]))).toEqual(["event"]);
  });

  it("shows every observer every call, in the order the sets were added", () => {
    const seen: string[] = [];
    const hooks = combineHooks([
      { event: (e) => void seen.push(`a:${e.name}`), turnEnded: (t) => void seen.push(`a:${t.status}`) },
      { event: (e) => void seen.push(`b:${e.name}`) },
    ]);
    hooks.event?.({ name: "escalated", data: {} });
    hooks.turnEnded?.({ status: "completed" });
    expect(seen).toEqual(["a:escalated", "b:escalated", "a:completed"]);
  });

  it.each<[string, TurnHooks[], string | undefined]>([
    [
      "nobody objects",
      [{ beforeToolCall: () => undefined }, { beforeToolCall: () => ({ action: "allow" }) }],
      undefined,
    ],
    [
      "the first refusal wins",
      [
        { beforeToolCall: () => ({ action: "refuse", reason: "first" }) },
        { beforeToolCall: () => ({ action: "refuse", reason: "second" }) },
      ],
      "first",
    ],
    [
      "an async refusal counts",
      [{ beforeToolCall: () => undefined }, { beforeToolCall: async () => ({ action: "refuse", reason: "later" }) }],
      "later",
    ],
  ])("decides a tool call when %s", async (_name, sets, refusal) => {
    const verdict = await combineHooks(sets).beforeToolCall?.(call);
    expect(verdict?.action === "refuse" ? verdict.reason : undefined).toBe(refusal);
  });

  it("passes each output gate what the one before it let through", async () => {
    const seen: OutputItem[] = [];
    const hooks = combineHooks([
      { output: (item) => (item.kind === "delta" ? { action: "replace", text: item.text.toUpperCase() } : undefined) },
      {
        output: (item) => {
          seen.push(item);
          return item.kind === "delta" ? { action: "replace", text: `${item.text}!` } : undefined;
        },
      },
    ]);
    expect(await hooks.output?.({ kind: "delta", text: "hi" })).toEqual({ action: "replace", text: "HI!" });
    expect(seen).toEqual([{ kind: "delta", text: "HI" }]);
    const message = { turnId: "t", role: "assistant" as const, content: "x" };
    expect(await hooks.output?.({ kind: "message", message })).toBeUndefined();
  });
});
