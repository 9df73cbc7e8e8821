import { type JSONSchema7, jsonSchema, type Schema, type ToolSet, tool } from "ai";
import { z } from "zod";
import { type AgentDefinition, type ToolContext, ToolError } from "../../shared/agents/define";
import { type DelegateInput, delegateInputSchema } from "../../shared/contracts/task";

/**
 * An agent's tools wrapped for the AI SDK once per object, not per turn. Safe because a
 * session runs one turn at a time; each tool call reads the context of the turn in progress.
 */
export class Toolbox {
  readonly tools: ToolSet = {};
  private context: ToolContext | null = null;

  constructor(readonly agent: AgentDefinition) {
    for (const [name, definition] of Object.entries(agent.tools)) {
      this.tools[name] = tool({
        description: definition.description,
        inputSchema: inputSchemaOf(definition.parameters),
        execute: async (args: unknown) => {
          if (!this.context) throw new Error(`tool '${name}' was called outside a turn`);
          return definition.execute(args, this.context);
        },
      });
    }
    if (agent.delegates.length > 0) {
      this.tools.delegate = tool({
        description: `Hand a self-contained task to a specialised sub-agent, which runs on its own and returns its answer. Call it several times in one step to run tasks in parallel. Sub-agents: ${agent.delegates.join(", ")}.`,
        inputSchema: inputSchemaOf(delegateInputSchema),
        execute: async (args: unknown, { toolCallId }: { toolCallId: string }) => {
          const delegation = this.context?.delegation;
          if (!delegation) throw new ToolError("delegation is not available in this turn");
          return delegation.request(args as DelegateInput, toolCallId);
        },
      });
    }
  }

  /** The tools without `delegate`, for a model's last call of a turn (built only then). */
  withoutDelegate(): ToolSet {
    const { delegate: _delegate, ...rest } = this.tools;
    return rest;
  }

  /** Runs a turn with its context bound to the tools. */
  async during<T>(context: ToolContext, run: () => Promise<T>): Promise<T> {
    this.context = context;
    try {
      return await run();
    } finally {
      this.context = null;
    }
  }
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
