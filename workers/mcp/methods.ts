import { findAgent } from "../../shared/agents/registry";
import { JSON_RPC_ERRORS, type JsonRpcError, type JsonRpcRequest } from "../../shared/contracts/jsonrpc";
import {
  callToolParamsSchema,
  initializeParamsSchema,
  listToolsParamsSchema,
  META,
  MODERN_PROTOCOL_VERSIONS,
} from "../../shared/contracts/mcp";
import { negotiate } from "../../shared/mcp/classify";
import { AGENT_TOOLS, callAgent } from "./agent-tools";

/** Edgent as MCP clients see it. */
export const SERVER_INFO = { name: "edgent", title: "Edgent agents", version: "0.1.0" };

const INSTRUCTIONS =
  "Each tool is an Edgent agent; a call is one turn of a conversation with it. The result's structuredContent.sessionId names the conversation: pass it as sessionId to continue it.";

/** How long a client may reuse the tool list (the agents change only with a deploy). */
const TOOLS_TTL_MS = 60_000;

/** The request being served, and by which revision. */
export interface McpCall {
  env: Env;
  tenant: string;
  era: "modern" | "legacy";
  request: JsonRpcRequest;
}

/** A method's answer: a result, or a JSON-RPC error with the HTTP status it goes with. */
export type MethodAnswer =
  | { result: Record<string, unknown>; sessionId?: string; turnId?: string }
  | { error: JsonRpcError; status: number };

/**
 * Serves one MCP request. Both revisions list and call the same tools; the stateless one
 * adds `server/discover` and the fields its results must carry (`resultType`, list caching
 * hints, `serverInfo` in `_meta`); the handshake one adds `initialize` and `ping`. An unknown
 * method is a 404 for the stateless revision, as it says, and an in-band error for the other.
 */
export async function answerMethod(call: McpCall): Promise<MethodAnswer> {
  const { request, era } = call;
  const modern = era === "modern";
  const params = request.params ?? {};
  switch (modern ? `modern:${request.method}` : `legacy:${request.method}`) {
    case "legacy:initialize": {
      const parsed = initializeParamsSchema.safeParse(params);
      if (!parsed.success) return invalidParams(parsed.error.issues[0]?.path.join(".") ?? "params");
      return {
        result: {
          protocolVersion: negotiate(parsed.data.protocolVersion),
          capabilities: { tools: { listChanged: false } },
          serverInfo: SERVER_INFO,
          instructions: INSTRUCTIONS,
        },
      };
    }
    case "legacy:ping":
      return { result: {} };
    case "modern:server/discover":
      return {
        result: complete({
          supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
          capabilities: { tools: { listChanged: false } },
          instructions: INSTRUCTIONS,
          ttlMs: TOOLS_TTL_MS,
          cacheScope: "public",
        }),
      };
    case "modern:tools/list":
    case "legacy:tools/list": {
      const parsed = listToolsParamsSchema.safeParse(params);
      if (!parsed.success) return invalidParams("cursor");
      // every tool fits one page: a cursor never came from here
      if (parsed.data.cursor !== undefined) return invalidParams("cursor", "is not a cursor this server issued");
      const result = { tools: AGENT_TOOLS };
      // the list depends on the deployment, not on who asks; sessions are what tenants keep apart
      return { result: modern ? complete({ ...result, ttlMs: TOOLS_TTL_MS, cacheScope: "public" }) : result };
    }
    case "modern:tools/call":
    case "legacy:tools/call": {
      const parsed = callToolParamsSchema.safeParse(params);
      if (!parsed.success) return invalidParams(parsed.error.issues[0]?.path.join(".") || "params");
      const agent = findAgent(parsed.data.name);
      if (!agent) return invalidParams("name", `unknown tool '${parsed.data.name}'`);
      const done = await callAgent(call.env, call.tenant, agent, parsed.data.arguments);
      return {
        result: modern ? complete(done.result) : done.result,
        ...(done.sessionId ? { sessionId: done.sessionId } : {}),
        ...(done.turnId ? { turnId: done.turnId } : {}),
      };
    }
    default: {
      const error = {
        code: JSON_RPC_ERRORS.method_not_found,
        message: `method '${request.method}' is not served here`,
      };
      return { error, status: modern ? 404 : 200 };
    }
  }
}

/** A 2026-07-28 result: complete, with the server's identity. */
function complete(result: object): Record<string, unknown> {
  return { ...result, resultType: "complete", _meta: { [META.serverInfo]: SERVER_INFO } };
}

function invalidParams(field: string, problem = "is missing or invalid"): MethodAnswer {
  return { error: { code: JSON_RPC_ERRORS.invalid_params, message: `params.${field} ${problem}` }, status: 200 };
}
