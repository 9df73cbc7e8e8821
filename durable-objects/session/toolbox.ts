import { type ToolSet, tool } from "ai";
import type { AgentDefinition, ToolContext } from "../../shared/agents/define";

/**
 * An agent's tools wrapped for the AI SDK once per object, not per turn: converting their
 * schemas is a large share of a turn's CPU. Safe because a session runs one turn at a time;
 * each tool call reads the context of the turn in progress.
 */
export class Toolbox {
  readonly tools: ToolSet = {};
  private context: ToolContext | null = null;

  constructor(readonly agent: AgentDefinition) {
    for (const [name, definition] of Object.entries(agent.tools)) {
      this.tools[name] = tool({
        description: definition.description,
        inputSchema: definition.parameters,
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
