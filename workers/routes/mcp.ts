import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { jsonRpcMessageSchema, jsonRpcReplySchema } from "../../shared/contracts/jsonrpc";
import type { RouterEnv } from "../env";
import { answerMcp, mcpMethodNotAllowed } from "../mcp/endpoint";

const reply = (description: string) => ({
  description,
  content: { "application/json": { schema: resolver(jsonRpcReplySchema) } },
});

/** /v1/mcp: the tenant's agents as MCP tools, over Streamable HTTP (stateless 2026-07-28, and the 2025-11-25 handshake). */
export const mcpRoutes = new Hono<RouterEnv>()
  .post(
    "/",
    describeRoute({
      operationId: "mcp",
      tags: ["mcp"],
      summary: "MCP endpoint: the tenant's agents as tools",
      description:
        "Model Context Protocol over Streamable HTTP. POST one JSON-RPC message: `server/discover`, `tools/list` and `tools/call` with per-request `_meta` (2026-07-28, stateless, with the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers), or `initialize`, `notifications/initialized`, `ping`, `tools/list` and `tools/call` (2025-11-25 and 2025-06-18 handshake, served without a session). One tool per agent; a call runs a turn in the session its `sessionId` names, or a new one.",
      requestBody: {
        required: true,
        content: { "application/json": { schema: resolver(jsonRpcMessageSchema) } },
      },
      responses: {
        200: reply(
          "the request's JSON-RPC response: its result, or an error the method raised (2025 revisions: also an unknown method)",
        ),
        202: { description: "a notification or a JSON-RPC response was accepted; no body" },
        400: reply(
          "a parse error (-32700), not one JSON-RPC message (-32600), headers that disagree with the body (-32020), incomplete `_meta` (-32602) or an unsupported protocol version (-32022)",
        ),
        401: reply("a missing or unknown bearer token"),
        403: reply("an Origin the endpoint does not allow"),
        404: reply("a method the endpoint does not serve (2026-07-28, -32601)"),
        406: reply("an Accept header without application/json"),
        413: reply("a body over 64 KiB"),
        415: reply("a body that is not application/json"),
      },
    }),
    (c) => answerMcp(c),
  )
  .all("/", (c) => mcpMethodNotAllowed(c));
