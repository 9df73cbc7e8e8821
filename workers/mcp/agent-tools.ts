import { z } from "zod";
import { sessionApi } from "../../durable-objects/stubs";
import type { AgentDefinition } from "../../shared/agents/define";
import { AGENTS } from "../../shared/agents/registry";
import {
  type AgentToolOutput,
  agentToolInputSchema,
  agentToolOutputSchema,
  type CallToolResult,
  type McpTool,
} from "../../shared/contracts/mcp";
import type { TurnResponse } from "../../shared/contracts/message";
import { refusalFailure } from "../../shared/errors";

/** A JSON Schema from a contract, as MCP clients read it (2020-12, the default, so no `$schema`). */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest;
}

const INPUT_SCHEMA = jsonSchemaOf(agentToolInputSchema, "input");
const OUTPUT_SCHEMA = jsonSchemaOf(agentToolOutputSchema, "output");

/** The tool of an agent: one per agent, named after it. */
function toolOf(agent: AgentDefinition): McpTool {
  return {
    name: agent.name,
    title: `Edgent agent ${agent.name}`,
    description: `${agent.description} Each call is one turn of a conversation with this agent: pass the sessionId of an earlier result to continue it.`,
    inputSchema: INPUT_SCHEMA,
    outputSchema: OUTPUT_SCHEMA,
    // a turn changes the conversation and may reach outside (its tools, sub-agents, models)
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  };
}

/** Every agent this deployment serves, as MCP tools (the same for every tenant; sessions are per tenant). */
export const AGENT_TOOLS: readonly McpTool[] = [...AGENTS.values()].map(toolOf);

/** What a tool call did: a result for the client, and the session and turn it ran in (for the request log). */
export interface AgentCall {
  result: CallToolResult;
  sessionId?: string;
  turnId?: string;
}

/**
 * Runs one turn of `agent` for `tenant`: in the session the arguments name (created with this
 * agent if it does not exist yet) or in a new one. The reply is the result's text, and its
 * structured content says which session and turn it was, with the turn's usage. Arguments
 * that break the schema, a session of another agent and a failed turn are tool errors the
 * client's model can read (`isError`), not protocol errors.
 */
export async function callAgent(env: Env, tenant: string, agent: AgentDefinition, args: unknown): Promise<AgentCall> {
  const parsed = agentToolInputSchema.safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return { result: toolError(`invalid arguments: ${field}${issue?.message ?? "invalid"}`) };
  }
  const { message } = parsed.data;
  const sessionId = parsed.data.sessionId ?? `mcp-${crypto.randomUUID()}`;
  const stub = sessionApi(env, tenant, sessionId);
  const created = await stub.create({ tenant, sessionId, agent: agent.name });
  if (created.status === "conflict") {
    const text = `session '${sessionId}' is a conversation with agent '${created.agent}', not '${agent.name}': call that agent's tool, or use another sessionId`;
    return { result: toolError(text), sessionId };
  }
  if (created.status === "retry") {
    return { result: toolError(`session '${sessionId}' is being erased; retry shortly`), sessionId };
  }
  const outcome = await stub.sendMessage({ tenant, sessionId, content: message });
  switch (outcome.status) {
    case "completed":
      return { result: completed(sessionId, outcome.response), sessionId, turnId: outcome.response.turnId };
    case "waiting": {
      const pending: AgentToolOutput = { sessionId, turnId: outcome.turnId, status: "pending" };
      const text = `The turn is still running (its sub-agents are at work). Its reply will be stored in session '${sessionId}'.`;
      return {
        result: { content: [{ type: "text", text }], structuredContent: pending },
        sessionId,
        turnId: outcome.turnId,
      };
    }
    case "awaiting_approval": {
      const approvals = outcome.approvals.map((approval) => ({
        approvalId: approval.approvalId,
        tool: approval.tool,
        decideAt: `/v1/sessions/${sessionId}/approvals/${approval.approvalId}`,
      }));
      const waiting: AgentToolOutput = { sessionId, turnId: outcome.turnId, status: "awaiting_approval", approvals };
      const text = `The turn waits for a person to approve ${approvals.map((a) => `'${a.tool}' (POST ${a.decideAt})`).join(", ")}. Its reply will be stored in session '${sessionId}'.`;
      return {
        result: { content: [{ type: "text", text }], structuredContent: waiting },
        sessionId,
        turnId: outcome.turnId,
      };
    }
    case "failed": {
      const { failure } = outcome;
      const text = `the turn failed (${failure.code}): ${failure.message} (session '${sessionId}')`;
      return { result: toolError(text), sessionId, ...(failure.turnId ? { turnId: failure.turnId } : {}) };
    }
    default:
      return { result: toolError(refusalFailure(outcome.status, sessionId).message), sessionId };
  }
}

function completed(sessionId: string, response: TurnResponse): CallToolResult {
  const output: AgentToolOutput = {
    sessionId,
    turnId: response.turnId,
    status: response.status,
    reply: response.reply.content,
    usage: response.usage,
    answeredBy: response.answeredBy,
  };
  return { content: [{ type: "text", text: response.reply.content }], structuredContent: output };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
