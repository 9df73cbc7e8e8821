import { type JSONSchema7, jsonSchema, type Schema, type ToolSet, tool } from "ai";
import { z } from "zod";
import { type AgentDefinition, type ToolContext, ToolError } from "../../../shared/agents/define";
import { type DelegateInput, delegateInputSchema } from "../../../shared/contracts/task";
import type { RemoteTool } from "../mcp/remote-tools";
import type { ToolCall, TurnHooks } from "./hooks";

/** What a tool call sees of the turn it runs in. */
export interface ToolRun {
  hooks: TurnHooks;
  context: ToolContext;
}

type RemoteAiTool = NonNullable<ToolSet[string]>;

/** The tool a local model calls to hand the turn to the central model. */
export const ESCALATE_TOOL = "escalate";

// a fixed JSON Schema, as before tool hooks: a reason the model leaves empty still escalates
const escalateInput = jsonSchema<{ reason: string }>(
  z.toJSONSchema(
    z.object({ reason: z.string().min(1).max(500).describe("why a larger model should answer") }),
  ) as JSONSchema7,
);

/**
 * An agent's tools wrapped for the AI SDK once per object, not per turn. Safe because a
 * session runs one turn at a time; each call reads the run in progress, and passes its tool
 * hooks (which may refuse it) before it runs and after.
 */
export class Toolbox {
  readonly tools: ToolSet = {};
  /** offered to a local model whose agent may escalate */
  readonly escalate: ToolSet[string];
  private current: ToolRun | null = null;
  private readonly remoteTools = new WeakMap<RemoteTool, RemoteAiTool>();

  constructor(readonly agent: AgentDefinition) {
    for (const [name, definition] of Object.entries(agent.tools)) {
      this.tools[name] = tool({
        description: definition.description,
        inputSchema: inputSchemaOf(definition.parameters),
        execute: (args: unknown, { toolCallId }: { toolCallId: string }) =>
          this.call(name, toolCallId, args, (run) => definition.execute(args, run.context)),
      });
    }
    if (agent.delegates.length > 0) {
      this.tools.delegate = tool({
        description: `Hand a self-contained task to a specialised sub-agent, which runs on its own and returns its answer. Call it several times in one step to run tasks in parallel. Sub-agents: ${agent.delegates.join(", ")}.`,
        inputSchema: inputSchemaOf(delegateInputSchema),
        execute: (args: unknown, { toolCallId }: { toolCallId: string }) =>
          this.call("delegate", toolCallId, args, (run) => {
            const delegation = run.context.delegation;
            if (!delegation) throw new ToolError("delegation is not available in this turn");
            return delegation.request(args as DelegateInput, toolCallId);
          }),
      });
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

  /** Runs a turn with its run bound to the tools. */
  async during<T>(run: ToolRun, work: () => Promise<T>): Promise<T> {
    this.current = run;
    try {
      return await work();
    } finally {
      this.current = null;
    }
  }

  /** Reports a call the model made with arguments that failed validation (it never ran). */
  rejected(call: Omit<ToolCall, "startedAt">, error: string): void {
    const hooks = this.current?.hooks;
    const started = { ...call, startedAt: Date.now() };
    hooks?.beforeToolCall?.(started);
    hooks?.afterToolCall?.(started, { ok: false, error, durationMs: 0 });
  }

  /** An MCP tool wrapped for the AI SDK, once per listing (a new list brings new definitions). */
  private remote(definition: RemoteTool): RemoteAiTool {
    const known = this.remoteTools.get(definition);
    if (known) return known;
    const wrapped: RemoteAiTool = tool({
      description: definition.description,
      inputSchema: jsonSchema(definition.parameters as JSONSchema7, {
        validate(value) {
          const checked = definition.check(value);
          return checked.ok ? { success: true, value } : { success: false, error: new Error(checked.error) };
        },
      }),
      execute: (args: unknown, { toolCallId, abortSignal }: { toolCallId: string; abortSignal?: AbortSignal }) =>
        this.call(definition.name, toolCallId, args, () => definition.call(args, abortSignal)),
    });
    this.remoteTools.set(definition, wrapped);
    return wrapped;
  }

  private async call(
    toolName: string,
    toolCallId: string,
    input: unknown,
    execute: (run: ToolRun) => unknown,
  ): Promise<unknown> {
    const run = this.current;
    if (!run) throw new Error(`tool '${toolName}' was called outside a turn`);
    const call: ToolCall = { toolCallId, toolName, input, startedAt: Date.now() };
    const took = () => Date.now() - call.startedAt;
    const verdict = await run.hooks.beforeToolCall?.(call);
    if (verdict?.action === "refuse") {
      run.hooks.afterToolCall?.(call, { ok: false, error: verdict.reason, durationMs: took() });
      throw new ToolError(verdict.reason);
    }
    try {
      const output = await execute(run);
      run.hooks.afterToolCall?.(call, { ok: true, output, durationMs: took() });
      return output;
    } catch (error) {
      run.hooks.afterToolCall?.(call, { ok: false, error: errorText(error), durationMs: took() });
      throw error;
    }
  }
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
