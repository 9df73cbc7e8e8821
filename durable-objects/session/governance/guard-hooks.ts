import type { ToolCall as CallInMessage } from "../../../shared/contracts/message";
import type {
  ConsultResult,
  GuardrailContext,
  TextContext,
  TextGuardrail,
  TextStage,
} from "../../../shared/guardrails/define";
import { redactText, redactValue } from "../../../shared/guardrails/detect";
import { policyFor } from "../../../shared/guardrails/policy";
import { StreamRedactor } from "../../../shared/guardrails/stream-redactor";
import { settingsOf } from "../../../shared/settings";
import type {
  HookSource,
  InputVerdict,
  OutputItem,
  OutputVerdict,
  RunInfo,
  ToolCall,
  ToolResultVerdict,
  ToolVerdict,
  TurnHooks,
} from "../turn/hooks";
import { type GuardSet, guardSetOf } from "./guard-set";

/** What the guardrails of a session's turns need of it. */
export interface GuardDeps {
  env: object;
  /** runs another agent on a task for a guardrail (a fact check) and returns its reply */
  consult(run: RunInfo, agent: string, task: string): Promise<ConsultResult>;
}

/**
 * The guardrails as hooks of every turn: the tenant's policy (EDGENT_POLICIES) and the agent's
 * own guardrails, on the user's message, every tool call, and everything that leaves the
 * turn. Each decision that is not a plain allow is reported as a `guardrail` turn event,
 * without the values it redacted. A turn with no guardrail gets no hooks at all.
 */
export function guardrailHooks(deps: GuardDeps): HookSource {
  return (run) => {
    const policy = policyFor(settingsOf(deps.env).values.EDGENT_POLICIES, run.session.tenant);
    const set = guardSetOf(run.agent, policy);
    return set ? new TurnGuard(run, set, deps).hooks() : undefined;
  };
}

/** One turn's guardrails, with what streaming needs to remember. */
class TurnGuard {
  private readonly stream: StreamRedactor | null;
  /** characters of the current step's text released so far */
  private offset = 0;

  constructor(
    private readonly run: RunInfo,
    private readonly set: GuardSet,
    private readonly deps: GuardDeps,
  ) {
    this.stream = set.outputDetectors.length > 0 ? new StreamRedactor(set.outputDetectors) : null;
  }

  hooks(): TurnHooks {
    const { set } = this;
    return {
      ...(set.input.length > 0 ? { input: (text: string) => this.input(text) } : {}),
      ...(set.output.length > 0 ? { output: (item: OutputItem) => this.output(item) } : {}),
      ...(set.tool.length > 0 || set.outputDetectors.length > 0
        ? {
            beforeToolCall: (call: ToolCall) => this.beforeCall(call),
            toolResult: (call: ToolCall, output: unknown) => this.afterCall(call, output),
          }
        : {}),
      ...(set.outputDetectors.length > 0
        ? { toolError: (_call: ToolCall, error: string) => this.errorView(error) }
        : {}),
    };
  }

  private async input(text: string): Promise<InputVerdict | undefined> {
    let current = text;
    for (const guardrail of this.set.input) {
      const outcome = await this.checkText(guardrail, current, "input", 0);
      if (outcome.action === "block") return { action: "block", reason: outcome.reason, guardrail: guardrail.name };
      current = outcome.text;
    }
    return current === text ? undefined : { action: "replace", text: current };
  }

  private async output(item: OutputItem): Promise<OutputVerdict | undefined> {
    if (item.kind === "delta") return this.delta(item.text, false);
    if (item.kind === "flush") return this.delta("", true);
    const stage: TextStage = item.kind === "summary" ? "summary" : item.final ? "final" : "message";
    const text = item.kind === "summary" ? item.text : item.message.content;
    let current = text;
    for (const guardrail of this.set.output) {
      const outcome = await this.checkText(guardrail, current, stage, 0);
      if (outcome.action === "block") return { action: "block", reason: outcome.reason, guardrail: guardrail.name };
      current = outcome.text;
    }
    // the arguments of the calls an assistant message stores are output too
    let toolCalls: CallInMessage[] | undefined;
    if (item.kind === "message" && item.message.toolCalls && this.set.outputDetectors.length > 0) {
      const redacted = redactValue(item.message.toolCalls, this.set.outputDetectors);
      if (redacted.found.length > 0) {
        toolCalls = redacted.value as CallInMessage[];
        this.reportFound(redacted.found, stage, { part: "tool_call_args" });
      }
    }
    if (current === text && !toolCalls) return undefined;
    return { action: "replace", text: current, ...(toolCalls ? { toolCalls } : {}) };
  }

  /** Streamed text: values split across chunks are held until whole, then redacted; checks see released chunks. */
  private async delta(text: string, end: boolean): Promise<OutputVerdict | undefined> {
    let chunk = text;
    if (this.stream) {
      const released = end ? this.stream.flush() : this.stream.push(text);
      if (released.found.length > 0) this.reportFound(released.found, "delta");
      chunk = released.text;
    }
    for (const guardrail of this.set.deltaChecks) {
      if (!chunk) break;
      const result = await guardrail.check?.(chunk, this.context("delta", this.offset));
      if (result?.action === "block") {
        this.report(guardrail.name, "output", "delta", "block", { reason: result.reason });
        return { action: "block", reason: result.reason, guardrail: guardrail.name };
      }
      if (result?.action === "redact") {
        this.report(guardrail.name, "output", "delta", "redact");
        chunk = result.replacement;
      }
    }
    this.offset += chunk.length;
    if (end) this.offset = 0;
    return chunk === text ? undefined : { action: "replace", text: chunk };
  }

  private async beforeCall(call: ToolCall): Promise<ToolVerdict | undefined> {
    const context = this.toolContext(call.toolName);
    let held: ToolVerdict | undefined;
    for (const guardrail of this.set.tool) {
      if (!guardrail.beforeCall || (guardrail.tools && !guardrail.tools.includes(call.toolName))) continue;
      const result = await guardrail.beforeCall({ toolName: call.toolName, args: call.input }, context);
      if (result.action === "block") {
        this.report(guardrail.name, "tool", "call", "block", { tool: call.toolName, reason: result.reason });
        // observers (traces) see the refused call's arguments redacted, as an allowed call's
        const observed = this.set.outputDetectors.length > 0 ? redactValue(call.input, this.set.outputDetectors) : null;
        return {
          action: "refuse",
          reason: result.reason,
          guardrail: guardrail.name,
          ...(observed && observed.found.length > 0 ? { observed: observed.value } : {}),
        };
      }
      if (result.action === "needs_approval" && !held) {
        this.report(guardrail.name, "tool", "call", "needs_approval", { tool: call.toolName, reason: result.reason });
        held = { action: "require_approval", reason: result.reason, guardrail: guardrail.name };
      }
    }
    const detectors = this.set.outputDetectors;
    if (detectors.length === 0) return held;
    // what a sub-agent is handed leaves the turn: redacted for real; other tools run with what the model gave
    // them, and observers (traces) see them redacted
    const redacted = redactValue(call.input, detectors);
    if (redacted.found.length === 0) return held;
    this.reportFound(redacted.found, "tool_args", { tool: call.toolName });
    if (held) return { ...held, observed: redacted.value } as ToolVerdict;
    return call.toolName === "delegate"
      ? { action: "allow", input: redacted.value }
      : { action: "allow", observed: redacted.value };
  }

  /** A tool's error text as observers see it: redacted, as it may repeat the call's arguments. */
  private errorView(error: string): string | undefined {
    const redacted = redactText(error, this.set.outputDetectors);
    return redacted.found.length > 0 ? redacted.text : undefined;
  }

  private async afterCall(call: ToolCall, output: unknown): Promise<ToolResultVerdict | undefined> {
    const context = this.toolContext(call.toolName);
    let current = output;
    let replaced = false;
    for (const guardrail of this.set.tool) {
      if (!guardrail.afterCall || (guardrail.tools && !guardrail.tools.includes(call.toolName))) continue;
      const result = await guardrail.afterCall({ toolName: call.toolName, args: call.input, output: current }, context);
      if (result.action === "block") {
        this.report(guardrail.name, "tool", "result", "block", { tool: call.toolName, reason: result.reason });
        return { action: "refuse", reason: result.reason, guardrail: guardrail.name };
      }
      if (result.action === "redact") {
        this.report(guardrail.name, "tool", "result", "redact", { tool: call.toolName });
        current = result.replacement;
        replaced = true;
      }
    }
    if (replaced) return { action: "replace", output: current };
    const detectors = this.set.outputDetectors;
    if (detectors.length === 0) return undefined;
    const redacted = redactValue(current, detectors);
    return redacted.found.length > 0 ? { action: "allow", observed: redacted.value } : undefined;
  }

  /** Runs one text guardrail: its detectors, then its check. */
  private async checkText(
    guardrail: TextGuardrail,
    text: string,
    stage: TextStage,
    offset: number,
  ): Promise<{ action: "pass"; text: string } | { action: "block"; reason: string }> {
    let current = text;
    if (guardrail.detectors?.length) {
      const redacted = redactText(current, guardrail.detectors);
      if (redacted.found.length > 0) {
        this.report(guardrail.name, guardrail.kind, stage, "redact", { found: counts(redacted.found) });
        current = redacted.text;
      }
    }
    if (guardrail.check && (!guardrail.stages || guardrail.stages.includes(stage))) {
      const result = await guardrail.check(current, this.context(stage, offset));
      if (result.action === "block") {
        this.report(guardrail.name, guardrail.kind, stage, "block", { reason: result.reason, ...result.details });
        return { action: "block", reason: result.reason };
      }
      if (result.action === "redact") {
        this.report(guardrail.name, guardrail.kind, stage, "redact", { ...result.details });
        current = result.replacement;
      }
    }
    return { action: "pass", text: current };
  }

  private context(stage: TextStage, offset: number): TextContext {
    return { ...this.base(), stage, offset };
  }

  private toolContext(toolName: string) {
    const tool = this.run.agent.tools[toolName];
    return {
      ...this.base(),
      ...(tool ? { tool: { description: tool.description, ...(tool.limits ? { limits: tool.limits } : {}) } } : {}),
    };
  }

  private base(): GuardrailContext {
    const { run } = this;
    return {
      tenant: run.session.tenant,
      sessionId: run.session.sessionId,
      turnId: run.turnId,
      agent: run.agent.name,
      messages: run.messages(),
      consult: (agent, task) => this.deps.consult(run, agent, task),
    };
  }

  /** Reports redactions by the guardrails whose detectors found them. */
  private reportFound(found: readonly string[], stage: string, extra: Record<string, unknown> = {}): void {
    const byOwner = new Map<string, string[]>();
    for (const label of found) {
      const owner = this.set.owners.get(label) ?? "redaction";
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), label]);
    }
    for (const [owner, labels] of byOwner)
      this.report(owner, "output", stage, "redact", { ...extra, found: counts(labels) });
  }

  private report(
    guardrail: string,
    kind: string,
    stage: string,
    action: string,
    extra: Record<string, unknown> = {},
  ): void {
    this.run.emit({ name: "guardrail", data: { guardrail, kind, stage, action, ...extra } });
  }
}

/** How many of each label: what was redacted, never the values. */
function counts(labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const label of labels) out[label] = (out[label] ?? 0) + 1;
  return out;
}
