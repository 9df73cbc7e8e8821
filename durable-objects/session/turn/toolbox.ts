import { type JSONSchema7, jsonSchema, type Schema, type ToolSet, tool } from "ai";
import { z } from "zod";
import {
  type AgentDefinition,
  type AgentTool,
  ASK_USER_TOOL,
  type ToolContext,
  ToolError,
} from "../../../shared/agents/define";
import { type DelegateInput, delegateInputSchema } from "../../../shared/contracts/task";
import { newSpanId } from "../../../shared/tracing/trace-context";
import type { RemoteTool } from "../mcp/remote-tools";
import type { DecidedCall, RunApprovals } from "./approval-port";
import type { ToolCall, ToolVerdict, TurnEvent, TurnHooks } from "./hooks";

/** What a tool call sees of the turn it runs in. */
export interface ToolRun {
  hooks: TurnHooks;
  context: ToolContext;
  /** reports a turn event (a question to the user, an approval request) */
  emit(event: TurnEvent): void;
  /** holds calls that need a person's approval; without it such calls are refused */
  approvals?: RunApprovals;
}

/** The tool a local model calls to hand the turn to the central model. */
export const ESCALATE_TOOL = "escalate";

// a fixed JSON Schema, as before tool hooks: a reason the model leaves empty still escalates
const escalateInput = jsonSchema<{ reason: string }>(
  z.toJSONSchema(
    z.object({ reason: z.string().min(1).max(500).describe("why a larger model should answer") }),
  ) as JSONSchema7,
);

type Execute = (run: ToolRun, args: unknown, call: ToolCall) => unknown;
type RemoteAiTool = NonNullable<ToolSet[string]>;

/**
 * An agent's tools wrapped for the AI SDK once per object, not per turn. Safe because a
 * session runs one turn at a time; each call reads the run in progress, and passes its tool
 * hooks (which may refuse it or hold it for approval) before it runs and after.
 */
export class Toolbox {
  readonly tools: ToolSet = {};
  /** offered to a local model whose agent may escalate */
  readonly escalate: ToolSet[string];
  private readonly executors = new Map<string, { execute: Execute; definition?: AgentTool }>();
  private current: ToolRun | null = null;
  /** the tools the model called in the step being run */
  private readonly stepTools = new Set<string>();
  private asked: string | null = null;
  /** the reason of each escalate call this turn, as the guardrails let observers see it */
  private readonly escalations = new Map<string, string>();
  private readonly remoteTools = new WeakMap<RemoteTool, RemoteAiTool>();

  constructor(readonly agent: AgentDefinition) {
    for (const [name, definition] of Object.entries(agent.tools)) {
      this.add(
        name,
        definition.description,
        definition.parameters,
        (run, args) => definition.execute(args, run.context),
        definition,
      );
    }
    if (agent.delegates.length > 0) {
      this.add(
        "delegate",
        `Hand a self-contained task to a specialised sub-agent, which runs on its own and returns its answer. Call it several times in one step to run tasks in parallel. Sub-agents: ${agent.delegates.join(", ")}.`,
        delegateInputSchema,
        (run, args, call) => {
          const delegation = run.context.delegation;
          if (!delegation) throw new ToolError("delegation is not available in this turn");
          // the task's spans hang under this call's span, however many hops later
          return delegation.request(args as DelegateInput, call.toolCallId, call.spanId);
        },
      );
    }
    this.escalate = tool({
      description:
        "Hand this request to a larger, more capable model when you cannot answer it well (missing knowledge, complex reasoning, low confidence). Say why.",
      inputSchema: escalateInput,
      execute: (args: unknown, { toolCallId }: { toolCallId: string }) =>
        this.call(ESCALATE_TOOL, toolCallId, args, () => ({ escalated: true })),
    });
  }

  /** The tools without `delegate`, for a model's last call of a turn (built only then). */
  withoutDelegate(): ToolSet {
    const { delegate: _delegate, ...rest } = this.tools;
    return rest;
  }

  /**
   * A turn's tools: the agent's own (without `delegate` for a last look) and its MCP servers'.
   * MCP tools pass the same hooks; their arguments are checked against the server's JSON
   * Schema before a call. An agent's own tool keeps its name over an MCP tool's.
   */
  toolSet(remote: readonly RemoteTool[], withDelegate: boolean): ToolSet {
    const own = withDelegate ? this.tools : this.withoutDelegate();
    if (remote.length === 0) return own;
    const tools: ToolSet = { ...own };
    for (const definition of remote) {
      if (!(definition.name in tools)) tools[definition.name] = this.remote(definition);
    }
    return tools;
  }

  /** The question the model asked the user this turn (with `ask_user`), if it did. */
  get question(): string | null {
    return this.asked;
  }

  /**
   * Why the model escalated with the escalate call `toolCallId`, as the guardrails show it
   * (redacted): the ledger, events and traces get this, never the raw argument.
   */
  escalationReason(toolCallId: string): string | undefined {
    return this.escalations.get(toolCallId);
  }

  /** The model called `toolName` in the step being run; called for every call before any runs. */
  announce(toolName: string): void {
    this.stepTools.add(toolName);
  }

  /** The step's calls have all run. */
  stepEnded(): void {
    this.stepTools.clear();
  }

  /** Runs a turn with its run bound to the tools. */
  async during<T>(run: ToolRun, work: () => Promise<T>): Promise<T> {
    this.current = run;
    this.asked = null;
    this.escalations.clear();
    this.stepTools.clear();
    try {
      return await work();
    } finally {
      this.current = null;
    }
  }

  /** Runs a call a person approved (its hooks still apply; it is not held again). */
  async runApproved(call: DecidedCall): Promise<{ ok: true; output: unknown } | { ok: false; error: string }> {
    const executor = this.executors.get(call.toolName);
    if (!executor) return { ok: false, error: `tool '${call.toolName}' is no longer offered` };
    try {
      return {
        ok: true,
        output: await this.call(call.toolName, call.toolCallId, call.input, executor.execute, undefined, true),
      };
    } catch (error) {
      return { ok: false, error: errorText(error) };
    }
  }

  /** Reports a call the model made with arguments that failed validation (it never ran). */
  async rejected(call: Omit<ToolCall, "startedAt" | "spanId">, error: string): Promise<void> {
    const hooks = this.current?.hooks;
    if (!hooks) return;
    const started = { ...call, startedAt: Date.now(), spanId: newSpanId() };
    // awaited: hooks that take their time (guardrails) must not open the call's span after it ended
    const seen = observedCall(started, await hooks.beforeToolCall?.(started));
    hooks.afterToolCall?.(seen, { ok: false, error: (await hooks.toolError?.(seen, error)) ?? error, durationMs: 0 });
  }

  /** An MCP tool wrapped for the AI SDK, once per listing (a new list brings new definitions). */
  private remote(definition: RemoteTool): RemoteAiTool {
    const known = this.remoteTools.get(definition);
    if (known) return known;
    const execute: Execute = (_run, args) => definition.call(args, undefined);
    // a call held for approval runs later through the executor, like an agent's own tool
    this.executors.set(definition.name, { execute });
    const wrapped: RemoteAiTool = tool({
      description: definition.description,
      inputSchema: jsonSchema(definition.parameters as JSONSchema7, {
        validate(value) {
          const checked = definition.check(value);
          return checked.ok ? { success: true, value } : { success: false, error: new Error(checked.error) };
        },
      }),
      execute: (args: unknown, { toolCallId, abortSignal }: { toolCallId: string; abortSignal?: AbortSignal }) =>
        this.call(definition.name, toolCallId, args, (_run, callArgs) => definition.call(callArgs, abortSignal)),
    });
    this.remoteTools.set(definition, wrapped);
    return wrapped;
  }

  private add(
    name: string,
    description: string,
    parameters: z.ZodType,
    execute: Execute,
    definition?: AgentTool,
  ): void {
    this.executors.set(name, { execute, ...(definition ? { definition } : {}) });
    this.tools[name] = tool({
      description,
      inputSchema: inputSchemaOf(parameters),
      execute: (args: unknown, { toolCallId }: { toolCallId: string }) =>
        this.call(name, toolCallId, args, execute, definition),
    });
  }

  private async call(
    toolName: string,
    toolCallId: string,
    input: unknown,
    execute: Execute,
    definition?: AgentTool,
    approved = false,
  ): Promise<unknown> {
    const run = this.current;
    if (!run) throw new Error(`tool '${toolName}' was called outside a turn`);
    const call: ToolCall = { toolCallId, toolName, input, startedAt: Date.now(), spanId: newSpanId() };
    const took = () => Date.now() - call.startedAt;
    const refuse = (seen: ToolCall, reason: string): never => {
      run.hooks.afterToolCall?.(seen, { ok: false, error: reason, durationMs: took() });
      throw new ToolError(reason);
    };
    const verdict = await run.hooks.beforeToolCall?.(call);
    const seen = observedCall(call, verdict);
    if (toolName === ESCALATE_TOOL) {
      const reason = (seen.input as { reason?: unknown } | null)?.reason;
      this.escalations.set(toolCallId, typeof reason === "string" ? reason : "");
    }
    // a step that asks the user a question runs nothing else: no side effects on a guess
    if (toolName !== ASK_USER_TOOL && this.stepTools.has(ASK_USER_TOOL)) {
      refuse(seen, `not run: the question to the user must be answered first`);
    }
    if (verdict?.action === "refuse") refuse(seen, verdict.reason);
    const args = verdict?.action === "allow" && verdict.input !== undefined ? verdict.input : input;
    let hold = !approved && verdict?.action === "require_approval" ? verdict.reason : null;
    if (!approved && !hold && definition?.needsApproval) {
      const needs =
        typeof definition.needsApproval === "function"
          ? await definition.needsApproval(args, run.context)
          : definition.needsApproval;
      if (needs) hold = `'${toolName}' has side effects a person must approve`;
    }
    if (hold !== null) {
      if (!run.approvals) refuse(seen, `${hold}, and approval is not available in this turn`);
      const approvals = run.approvals as RunApprovals;
      const { approvalId, expiresAt } = approvals.request({
        toolCallId,
        toolName,
        input: args,
        shown: seen.input,
        reason: hold,
      });
      run.emit({
        name: "approval_requested",
        data: { approvalId, toolCallId, tool: toolName, args: seen.input, reason: hold, expiresAt },
      });
      const placeholder = { status: "awaiting_approval", approvalId };
      run.hooks.afterToolCall?.(seen, { ok: true, output: placeholder, durationMs: took() });
      return placeholder;
    }
    if (toolName === ASK_USER_TOOL) {
      // the question as the guardrails show it (redacted): it is the turn's reply, events and spans
      const question = (seen.input as { question?: unknown } | null)?.question;
      this.asked = typeof question === "string" ? question : JSON.stringify(seen.input);
      run.emit({ name: "question", data: { toolCallId, question: this.asked } });
    }
    let output: unknown;
    try {
      output = await execute(run, args, call);
    } catch (error) {
      // an error may repeat the call's arguments: observers get the guardrails' view of it
      const text = errorText(error);
      const shown = (await run.hooks.toolError?.(seen, text)) ?? text;
      run.hooks.afterToolCall?.(seen, { ok: false, error: shown, durationMs: took() });
      throw error;
    }
    const checked = await run.hooks.toolResult?.(seen, output);
    if (checked?.action === "refuse") refuse(seen, checked.reason);
    if (checked?.action === "replace") output = checked.output;
    const observed = checked?.action === "allow" && checked.observed !== undefined ? checked.observed : output;
    run.hooks.afterToolCall?.(seen, { ok: true, output: observed, durationMs: took() });
    return output;
  }
}

/** The call as observers see it: with the view of its arguments the hooks gave (e.g. redacted). */
function observedCall(call: ToolCall, verdict: ToolVerdict | undefined): ToolCall {
  return verdict?.observed !== undefined ? { ...call, input: verdict.observed } : call;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const schemas = new WeakMap<z.ZodType, Schema<unknown>>();

/**
 * The tool's parameters as a fixed JSON Schema, validated by zod. Handing the SDK the zod
 * schema itself made it convert to JSON Schema on every model call, a tenth of a turn's CPU.
 */
function inputSchemaOf(parameters: z.ZodType): Schema<unknown> {
  let schema = schemas.get(parameters);
  if (!schema) {
    schema = jsonSchema(z.toJSONSchema(parameters, { io: "input" }) as JSONSchema7, {
      validate(value) {
        const result = parameters.safeParse(value);
        return result.success
          ? { success: true, value: result.data }
          : { success: false, error: new Error(z.prettifyError(result.error)) };
      },
    });
    schemas.set(parameters, schema);
  }
  return schema;
}
