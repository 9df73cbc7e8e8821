import { type JSONSchema7, type Schema, type ToolSet, jsonSchema, tool } from "ai";
import { z } from "zod";
import type { AgentDefinition, AgentTool, ToolContext } from "../../shared/agents/define";

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
        inputSchema: inputSchemaOf(definition),
        execute: async (args: unknown) => {
          if (!this.context) throw new Error(`tool '${name}' was called outside a turn`);
          return definition.execute(args, this.context);
        },
      });
    }
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

const schemas = new WeakMap<AgentTool, Schema<unknown>>();

/**
 * The tool's parameters as a fixed JSON Schema, validated by zod. Handing the SDK the zod
 * schema itself made it convert to JSON Schema on every model call, a tenth of a turn's CPU.
 */
function inputSchemaOf(definition: AgentTool): Schema<unknown> {
  let schema = schemas.get(definition);
  if (!schema) {
    const parameters = definition.parameters;
    schema = jsonSchema(z.toJSONSchema(parameters, { io: "input" }) as JSONSchema7, {
      validate(value) {
        const result = parameters.safeParse(value);
        return result.success
          ? { success: true, value: result.data }
          : { success: false, error: new Error(z.prettifyError(result.error)) };
      },
    });
    schemas.set(definition, schema);
  }
  return schema;
}
