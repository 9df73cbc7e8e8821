import type { ArgumentCheck } from "../../../shared/mcp/json-schema";

/** A tool of an MCP server, as a turn offers it to its model. */
export interface RemoteTool {
  /** what the model calls it: `<server>__<tool>` */
  name: string;
  server: string;
  description: string;
  /** the server's JSON Schema of its arguments, as the model is given it */
  parameters: Record<string, unknown>;
  /** the same schema, checked before any call reaches the server */
  check: ArgumentCheck;
  /** Calls the tool: its result as text, or a ToolError the model sees. */
  call(args: unknown, signal?: AbortSignal): Promise<string>;
}

/** An MCP server whose tools a turn cannot offer, and why. */
export interface McpProblem {
  server: string;
  error: string;
  /** its tools from an earlier list are offered meanwhile */
  stale: boolean;
}

/** The MCP tools a turn offers, and the servers that could not be listed. */
export interface McpToolset {
  tools: RemoteTool[];
  problems: McpProblem[];
  /** the tools' names, descriptions and schemas: what they add to every model call's context */
  schemaText: string;
}

/** The MCP tools of a turn's agent. */
export interface McpToolSource {
  /** The tools, from the session's cache or listed anew; never throws (a problem per server instead). */
  tools(signal: AbortSignal): Promise<McpToolset>;
  /** The model called a tool of one of the servers that is not listed: list it again next turn. */
  missing(toolName: string): void;
}
