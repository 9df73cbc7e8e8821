import type { Context } from "hono";
import { JSON_RPC_ERRORS, type JsonRpcError, type JsonRpcId, readMessage } from "../../shared/contracts/jsonrpc";
import { EdgentError } from "../../shared/errors";
import { classify } from "../../shared/mcp/classify";
import { settingsOf } from "../../shared/settings";
import { MAX_BODY_BYTES, readText } from "../body";
import type { RouterEnv } from "../env";
import { authenticate } from "../middleware/auth";
import { answerMethod } from "./methods";

/** A JSON-RPC error answer with its HTTP status (id null when the request's could not be read). */
function rpcError(
  c: Context<RouterEnv>,
  status: number,
  error: JsonRpcError,
  id: JsonRpcId | null = null,
  headers: Record<string, string> = {},
): Response {
  c.set("errorCode", `jsonrpc_${-error.code}`);
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const invalidRequest = (message: string) => ({ code: JSON_RPC_ERRORS.invalid_request, message });

/** GET, DELETE and the rest: a stateless endpoint has no stream to open and no session to end. */
export function mcpMethodNotAllowed(c: Context<RouterEnv>): Response {
  return rpcError(c, 405, invalidRequest(`${c.req.method} is not allowed: POST one JSON-RPC message`), null, {
    allow: "POST",
  });
}

/**
 * POST /v1/mcp: one JSON-RPC message per request, answered with one JSON response (or 202
 * for a notification). Checks, in order: the Origin (403), the bearer token (401), the body's
 * type (415) and size (413), JSON (400 -32700), one JSON-RPC message (400 -32600), the
 * revision and its headers (400); then the method answers.
 */
export async function answerMcp(c: Context<RouterEnv>): Promise<Response> {
  const origin = c.req.header("origin");
  if (origin !== undefined && !originAllowed(c, origin)) {
    return rpcError(c, 403, invalidRequest(`origin '${origin}' may not call this endpoint`));
  }
  let tenant: string;
  try {
    tenant = await authenticate(c);
  } catch (error) {
    if (!(error instanceof EdgentError)) throw error;
    if (error.code !== "unauthorized") return rpcError(c, error.status, invalidRequest(error.message));
    return rpcError(c, 401, invalidRequest(error.message), null, { "www-authenticate": 'Bearer realm="edgent"' });
  }
  c.set("tenant", tenant);
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(c.req.header("content-type")?.trim() ?? "")) {
    return rpcError(c, 415, invalidRequest("the body must be JSON (Content-Type: application/json)"));
  }
  const accept = c.req.header("accept");
  if (accept !== undefined && !/(application\/json|application\/\*|\*\/\*)/i.test(accept)) {
    return rpcError(c, 406, invalidRequest("this endpoint answers with application/json: accept it"));
  }
  let body: unknown;
  try {
    body = JSON.parse(await readText(c.req.raw, MAX_BODY_BYTES));
  } catch (error) {
    if (error instanceof EdgentError && error.code === "payload_too_large") {
      return rpcError(c, 413, invalidRequest(error.message));
    }
    return rpcError(c, 400, { code: JSON_RPC_ERRORS.parse_error, message: "the body is not valid JSON" });
  }
  const read = readMessage(body);
  switch (read.kind) {
    case "batch":
      return rpcError(c, 400, invalidRequest("JSON-RPC batches are not supported: POST one message"));
    case "invalid":
      return rpcError(c, 400, invalidRequest(read.reason), read.id);
    case "notification":
    case "response":
      // nothing to answer: initialized, cancelled (the turn goes on and is stored), a client's reply
      return c.body(null, 202);
  }
  const request = read.message;
  const classified = classify(request, {
    protocolVersion: c.req.header("mcp-protocol-version")?.trim(),
    method: c.req.header("mcp-method")?.trim(),
    name: c.req.header("mcp-name")?.trim(),
  });
  if (classified.era === "refused") return rpcError(c, 400, classified.error, request.id);
  const answer = await answerMethod({ env: c.env, tenant, era: classified.era, request });
  if ("error" in answer) return rpcError(c, answer.status, answer.error, request.id);
  if (answer.sessionId) c.set("sessionId", answer.sessionId);
  if (answer.turnId) c.set("turnId", answer.turnId);
  return c.json({ jsonrpc: "2.0", id: request.id, result: answer.result });
}

/** The endpoint's own origin, or one EDGENT_MCP_ALLOWED_ORIGINS lists (DNS rebinding protection). */
function originAllowed(c: Context<RouterEnv>, origin: string): boolean {
  if (origin === new URL(c.req.url).origin) return true;
  const settings = settingsOf(c.env);
  return (
    !settings.problems.has("EDGENT_MCP_ALLOWED_ORIGINS") && settings.values.EDGENT_MCP_ALLOWED_ORIGINS.includes(origin)
  );
}
