import { z } from "zod";
import { messageContentSchema, turnResponseSchema } from "./message";
import { sessionIdSchema, usageSchema } from "./session";

/** The stateless revisions: every request carries its version in `_meta`; no handshake, no session. */
export const MODERN_PROTOCOL_VERSIONS = ["2026-07-28"] as const;
/** The handshake revisions (`initialize`), newest first; served statelessly (no Mcp-Session-Id). */
export const LEGACY_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;

/** Reserved `_meta` keys of the 2026-07-28 revision. */
export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  serverInfo: "io.modelcontextprotocol/serverInfo",
} as const;

/** A client's or server's name and version. */
export const implementationSchema = z.looseObject({ name: z.string(), version: z.string() });

/** The per-request `_meta` of the 2026-07-28 revision (protocol version and capabilities required). */
export const requestMetaSchema = z.looseObject({
  [META.protocolVersion]: z.string().min(1),
  [META.clientCapabilities]: z.record(z.string(), z.unknown()),
  [META.clientInfo]: implementationSchema.optional(),
});

/** Params of `initialize` (2025 handshake). */
export const initializeParamsSchema = z.looseObject({
  protocolVersion: z.string().min(1),
  capabilities: z.record(z.string(), z.unknown()),
  clientInfo: implementationSchema,
});

/** Params of `tools/list`. */
export const listToolsParamsSchema = z.looseObject({ cursor: z.string().optional() });

/** Params of `tools/call`. */
export const callToolParamsSchema = z.looseObject({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).optional(),
});
export type CallToolParams = z.infer<typeof callToolParamsSchema>;

/** Arguments of an agent's tool: a message for it, in a session named or new. */
export const agentToolInputSchema = z.strictObject({
  message: messageContentSchema.describe("what to say to the agent"),
  sessionId: sessionIdSchema
    .optional()
    .describe(
      "the conversation to continue: the sessionId of an earlier result, or a new id of your choosing; a new conversation when omitted",
    ),
});
export type AgentToolInput = z.infer<typeof agentToolInputSchema>;

/** Structured result of an agent's tool. */
export const agentToolOutputSchema = z.object({
  sessionId: z.string().describe("pass it back to continue this conversation"),
  turnId: z.string(),
  /**
   * `pending`: the turn still runs (its sub-agents take long), its reply lands in the session;
   * `input_required`: the agent asks a question (the reply), answer it in the same session;
   * `awaiting_approval`: a tool call waits for a person's decision (see `approvals`)
   */
  status: z.enum(["completed", "cancelled", "pending", "input_required", "awaiting_approval"]),
  /** the approvals the turn waits for, with where to decide them */
  approvals: z.array(z.object({ approvalId: z.string(), tool: z.string(), decideAt: z.string() })).optional(),
  reply: z.string().optional(),
  usage: usageSchema.optional(),
  answeredBy: turnResponseSchema.shape.answeredBy.optional(),
});
export type AgentToolOutput = z.infer<typeof agentToolOutputSchema>;

/** A tool as `tools/list` describes it. */
export const mcpToolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type McpTool = z.infer<typeof mcpToolSchema>;

/** A content block of a tool result (Edgent's tools answer with text). */
export const textContentSchema = z.object({ type: z.literal("text"), text: z.string() });

/** The result of `tools/call`: a tool error is `isError`, not a JSON-RPC error. */
export const callToolResultSchema = z.object({
  content: z.array(textContentSchema),
  structuredContent: agentToolOutputSchema.optional(),
  isError: z.boolean().optional(),
});
export type CallToolResult = z.infer<typeof callToolResultSchema>;
