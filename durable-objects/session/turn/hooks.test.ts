import { describe, expect, it } from "vitest";
import { combineHooks, type OutputItem, type ToolCall, type TurnHooks } from "./hooks";

const call: ToolCall = {
  toolCallId: "c1",
  toolName: "calculator",
  input: {},
  startedAt: 0,
  spanId: "00f067aa0ba902b7",
};

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

  it("shows observers a refused call as the gates before the refusal redacted it", async () => {
    const redacted = { email: "[REDACTED:email]" };
    const hooks = combineHooks([
      { beforeToolCall: () => ({ action: "allow", observed: redacted }) },
      { beforeToolCall: () => ({ action: "refuse", reason: "denied" }) },
    ]);
    expect(await hooks.beforeToolCall?.(call)).toEqual({ action: "refuse", reason: "denied", observed: redacted });
  });

  it("passes a tool's error text through every hook that gives observers another view of it", async () => {
    const hooks = combineHooks([
      { toolError: (_call, error) => error.replace("jo@example.com", "[REDACTED:email]") },
      { toolError: () => undefined },
      { toolError: (_call, error) => `${error}!` },
    ]);
    expect(await hooks.toolError?.(call, "bad zone jo@example.com")).toBe("bad zone [REDACTED:email]!");
    expect(await combineHooks([{ toolError: () => undefined }, {}]).toolError?.(call, "plain")).toBeUndefined();
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

const delegateCall: ToolCall = {
  toolCallId: "c1",
  toolName: "delegate",
  input: { task: "mail a@b.co" },
  startedAt: 0,
  spanId: "00f067aa0ba902b7",
};

describe("combineHooks with guards", () => {
  it("runs gates in order: a later one sees what an earlier one let through", async () => {
    const seen: string[] = [];
    const redact: TurnHooks = {
      output: (item) =>
        item.kind === "delta" ? { action: "replace", text: item.text.replace("secret", "[x]") } : undefined,
    };
    const observe: TurnHooks = { output: (item) => void seen.push(item.kind === "delta" ? item.text : "") };
    const combined = combineHooks([redact, observe]);
    expect(await combined.output?.({ kind: "delta", text: "a secret" })).toEqual({ action: "replace", text: "a [x]" });
    expect(seen).toEqual(["a [x]"]);
  });

  it("stops at the first block, for input and output alike", async () => {
    const blocking: TurnHooks = {
      input: () => ({ action: "block", reason: "no", guardrail: "g" }),
      output: () => ({ action: "block", reason: "no", guardrail: "g" }),
    };
    const reached: string[] = [];
    const after: TurnHooks = { input: () => void reached.push("input"), output: () => void reached.push("output") };
    const combined = combineHooks([blocking, after]);
    expect(await combined.input?.("hi")).toMatchObject({ action: "block" });
    expect(await combined.output?.({ kind: "summary", text: "s" })).toMatchObject({ action: "block" });
    expect(reached).toEqual([]);
  });

  it("lets a refusal win over an approval hold, and carries redacted arguments to later hooks", async () => {
    const observed: unknown[] = [];
    const hold: TurnHooks = { beforeToolCall: () => ({ action: "require_approval", reason: "big" }) };
    const redact: TurnHooks = { beforeToolCall: () => ({ action: "allow", input: { task: "mail [x]" } }) };
    const watch: TurnHooks = { beforeToolCall: (seen) => void observed.push(seen.input) };
    const refuse: TurnHooks = { beforeToolCall: () => ({ action: "refuse", reason: "denied" }) };
    expect(await combineHooks([hold, redact, watch]).beforeToolCall?.(delegateCall)).toEqual({
      action: "require_approval",
      reason: "big",
      observed: { task: "mail [x]" },
    });
    expect(observed).toEqual([{ task: "mail [x]" }]);
    expect(await combineHooks([hold, refuse]).beforeToolCall?.(delegateCall)).toEqual({
      action: "refuse",
      reason: "denied",
    });
    expect(await combineHooks([redact, watch]).beforeToolCall?.(delegateCall)).toEqual({
      action: "allow",
      input: { task: "mail [x]" },
      observed: { task: "mail [x]" },
    });
  });

  it("replaces a tool's output for everyone, or only for observers", async () => {
    const view: TurnHooks = { toolResult: () => ({ action: "allow", observed: "[x]" }) };
    const replace: TurnHooks = { toolResult: () => ({ action: "replace", output: "shorter" }) };
    expect(await combineHooks([view, {}]).toolResult?.(delegateCall, "raw")).toEqual({
      action: "allow",
      observed: "[x]",
    });
    expect(await combineHooks([replace, view]).toolResult?.(delegateCall, "raw")).toEqual({
      action: "replace",
      output: "shorter",
    });
  });
});
