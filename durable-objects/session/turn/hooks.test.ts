import { describe, expect, it } from "vitest";
import { combineHooks, type ToolCall, type TurnHooks } from "./hooks";

const call: ToolCall = { toolCallId: "c1", toolName: "delegate", input: { task: "mail a@b.co" }, startedAt: 0 };

describe("combined hooks", () => {
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
    let reached = false;
    const after: TurnHooks = { input: () => void (reached = true), output: () => void (reached = true) };
    const combined = combineHooks([blocking, after]);
    expect(await combined.input?.("hi")).toMatchObject({ action: "block" });
    expect(await combined.output?.({ kind: "summary", text: "s" })).toMatchObject({ action: "block" });
    expect(reached).toBe(false);
  });

  it("lets a refusal win over an approval hold, and carries redacted arguments to later hooks", async () => {
    const observed: unknown[] = [];
    const hold: TurnHooks = { beforeToolCall: () => ({ action: "require_approval", reason: "big" }) };
    const redact: TurnHooks = { beforeToolCall: () => ({ action: "allow", input: { task: "mail [x]" } }) };
    const watch: TurnHooks = { beforeToolCall: (seen) => void observed.push(seen.input) };
    const refuse: TurnHooks = { beforeToolCall: () => ({ action: "refuse", reason: "denied" }) };
    expect(await combineHooks([hold, redact, watch]).beforeToolCall?.(call)).toEqual({
      action: "require_approval",
      reason: "big",
      observed: { task: "mail [x]" },
    });
    expect(observed).toEqual([{ task: "mail [x]" }]);
    expect(await combineHooks([hold, refuse]).beforeToolCall?.(call)).toEqual({ action: "refuse", reason: "denied" });
    expect(await combineHooks([redact, watch]).beforeToolCall?.(call)).toEqual({
      action: "allow",
      input: { task: "mail [x]" },
      observed: { task: "mail [x]" },
    });
  });

  it("replaces a tool's output for everyone, or only for observers", async () => {
    const view: TurnHooks = { toolResult: () => ({ action: "allow", observed: "[x]" }) };
    const replace: TurnHooks = { toolResult: () => ({ action: "replace", output: "shorter" }) };
    expect(await combineHooks([view, {}]).toolResult?.(call, "raw")).toEqual({ action: "allow", observed: "[x]" });
    expect(await combineHooks([replace, view]).toolResult?.(call, "raw")).toEqual({
      action: "replace",
      output: "shorter",
    });
  });
});
