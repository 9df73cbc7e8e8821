import { describe, expect, it } from "vitest";
import { defineAgent } from "../../../shared/agents/define";
import { parseSettings } from "../../../shared/settings";
import type { RunInfo, TurnEvent } from "../turn/hooks";
import { guardrailHooks } from "./guard-hooks";

const agent = defineAgent({ name: "helper", description: "d", instructions: "i" });

/** The guard hooks of one turn under `policies`, and the events they report. */
function guard(policies: unknown, tenant = "acme") {
  const env = { EDGENT_POLICIES: JSON.stringify(policies) };
  expect(parseSettings(env).problems.size).toBe(0);
  const events: TurnEvent[] = [];
  const run: RunInfo = {
    turnId: "t1",
    kind: "start",
    session: {
      tenant,
      sessionId: "s1",
      agent: agent.name,
      incarnation: "i1",
      createdAt: "",
      lastSeq: 0,
      usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0, costNanos: 0 },
      escalations: 0,
      summary: "",
      summaryThroughSeq: 0,
      onBusy: "enqueue",
    },
    agent,
    models: { local: "builtin:echo", central: "builtin:central" },
    streaming: true,
    trace: { traceId: "t1" },
    emit: (event) => events.push(event),
    messages: () => [],
  };
  const source = guardrailHooks({ env, consult: async () => ({ ok: false, error: "none" }) });
  return { hooks: source(run), events };
}

const CALL = { toolCallId: "c1", startedAt: 0, spanId: "00f067aa0ba902b7" };

describe("the guardrails as turn hooks", () => {
  it("gives a turn under no guardrail no hooks at all", () => {
    expect(guard({}).hooks).toBeUndefined();
    expect(guard({ other: { guardrails: ["pii"] } }).hooks).toBeUndefined();
  });

  it("redacts the user's message before anything sees it, and reports what without the value", async () => {
    const { hooks, events } = guard({ "*": { guardrails: ["pii_input"] } });
    expect(await hooks?.input?.("mail me at jo@example.com")).toEqual({
      action: "replace",
      text: "mail me at [REDACTED:email]",
    });
    expect(events).toEqual([
      {
        name: "guardrail",
        data: { guardrail: "pii_input", kind: "input", stage: "input", action: "redact", found: { email: 1 } },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain("jo@example.com");
  });

  it("holds streamed text only while a value could still be growing, and releases it at the step's end", async () => {
    const { hooks } = guard({ acme: { guardrails: ["secrets"] } });
    const passed: string[] = [];
    for (const text of ["key: sk-proj-abcdefghij", "klmnopqrstuvwxyz01 ok", " done"]) {
      const verdict = await hooks?.output?.({ kind: "delta", text });
      passed.push(verdict?.action === "replace" ? verdict.text : text);
    }
    const end = await hooks?.output?.({ kind: "flush" });
    passed.push(end?.action === "replace" ? end.text : "");
    expect(passed.join("")).toBe("key: [REDACTED:api_key] ok done");
    expect(passed.some((text) => text.includes("abcdefghij"))).toBe(false);
  });

  it("redacts what a sub-agent is handed, and only shows observers other tools' arguments redacted", async () => {
    const { hooks } = guard({ acme: { guardrails: ["pii"] } });
    const delegate = await hooks?.beforeToolCall?.({
      ...CALL,
      toolName: "delegate",
      input: { agent: "k", task: "reset jo@example.com" },
    });
    expect(delegate).toEqual({ action: "allow", input: { agent: "k", task: "reset [REDACTED:email]" } });
    const lookup = await hooks?.beforeToolCall?.({
      ...CALL,
      toolName: "crm_lookup",
      input: { email: "jo@example.com" },
    });
    expect(lookup).toEqual({ action: "allow", observed: { email: "[REDACTED:email]" } });
    const result = await hooks?.toolResult?.(
      { ...CALL, toolName: "crm_lookup", input: {} },
      { phone: "+1 415 555 2671" },
    );
    expect(result).toEqual({ action: "allow", observed: { phone: "[REDACTED:phone]" } });
  });

  it("shows observers a refused call's arguments and a tool's error redacted", async () => {
    const { hooks } = guard({ acme: { guardrails: ["pii"], denyTools: ["wire_money"] } });
    const refused = await hooks?.beforeToolCall?.({ ...CALL, toolName: "wire_money", input: { to: "jo@example.com" } });
    expect(refused).toMatchObject({ action: "refuse", observed: { to: "[REDACTED:email]" } });
    const call = { ...CALL, toolName: "current_time", input: {} };
    expect(await hooks?.toolError?.(call, "unknown time zone jo@example.com")).toBe(
      "unknown time zone [REDACTED:email]",
    );
    expect(await hooks?.toolError?.(call, "unknown time zone Mars/Olympus")).toBeUndefined();
  });

  it("refuses tools a tenant denies and holds those it wants approved", async () => {
    const { hooks, events } = guard({ acme: { denyTools: ["wire_money"], approveTools: ["send_email"] } });
    expect(await hooks?.beforeToolCall?.({ ...CALL, toolName: "wire_money", input: {} })).toMatchObject({
      action: "refuse",
      guardrail: "tool_policy",
    });
    expect(await hooks?.beforeToolCall?.({ ...CALL, toolName: "send_email", input: {} })).toMatchObject({
      action: "require_approval",
      guardrail: "tool_policy",
    });
    expect(events.map((event) => event.data.action)).toEqual(["block", "needs_approval"]);
  });
});
