import { z } from "zod";

/** JSON-RPC 2.0 error codes the MCP endpoint answers with, MCP's own included. */
export const JSON_RPC_ERRORS = {
  parse_error: -32700, // the body is not JSON
  invalid_request: -32600, // not a single JSON-RPC request or notification; or refused before it was read
  method_not_found: -32601, // a method the endpoint does not serve
  invalid_params: -32602, // params that break the method's schema (an unknown tool included)
  internal_error: -32603, // a bug: nothing about it is revealed
  header_mismatch: -32020, // MCP: a required header is missing or disagrees with the body
  unsupported_protocol_version: -32022, // MCP: a protocol version the endpoint does not serve
} as const;
export type JsonRpcErrorName = keyof typeof JSON_RPC_ERRORS;

/** A request id: MCP forbids null. */
export const jsonRpcIdSchema = z.union([z.string(), z.number().int()]);
export type JsonRpcId = z.infer<typeof jsonRpcIdSchema>;

const paramsSchema = z.record(z.string(), z.unknown());

/** A JSON-RPC request: it gets one response. */
export const jsonRpcRequestSchema = z.object({
  jsonrpc: z.literal("2.0"),
  id: jsonRpcIdSchema,
  method: z.string().min(1),
  params: paramsSchema.optional(),
});
export type JsonRpcRequest = z.infer<typeof jsonRpcRequestSchema>;

/** A JSON-RPC notification: no id (told apart by the key's absence), no response. */
export const jsonRpcNotificationSchema = z.object({
  jsonrpc: z.literal("2.0"),
  method: z.string().min(1),
  params: paramsSchema.optional(),
});
export type JsonRpcNotification = z.infer<typeof jsonRpcNotificationSchema>;

/** A JSON-RPC error object. */
export const jsonRpcErrorSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type JsonRpcError = z.infer<typeof jsonRpcErrorSchema>;

/** A JSON-RPC response a client posted (a 2025 client answering a server's request). */
export const jsonRpcResponseSchema = z.union([
  z.object({ jsonrpc: z.literal("2.0"), id: jsonRpcIdSchema, result: paramsSchema }),
  z.object({ jsonrpc: z.literal("2.0"), id: jsonRpcIdSchema.nullable(), error: jsonRpcErrorSchema }),
]);

/** Any message a client may post to the MCP endpoint. */
export const jsonRpcMessageSchema = z
  .union([jsonRpcRequestSchema, jsonRpcNotificationSchema, jsonRpcResponseSchema])
  .meta({ id: "JsonRpcMessage", description: "one JSON-RPC 2.0 request, notification or response" });

/** What the endpoint answers a request with: a result, or an error (id null when it could not be read). */
export const jsonRpcReplySchema = z
  .union([
    z.object({ jsonrpc: z.literal("2.0"), id: jsonRpcIdSchema, result: paramsSchema }),
    z.object({ jsonrpc: z.literal("2.0"), id: jsonRpcIdSchema.nullable(), error: jsonRpcErrorSchema }),
  ])
  .meta({ id: "JsonRpcReply", description: "a JSON-RPC 2.0 response: a result or an error" });
export type JsonRpcReply = z.infer<typeof jsonRpcReplySchema>;

/** A posted body, read as one kind of JSON-RPC message. */
export type ReadMessage =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response" }
  | { kind: "batch" }
  | { kind: "invalid"; id: JsonRpcId | null; reason: string };

/** Reads a parsed JSON body as a JSON-RPC message; a batch (an array) is reported, not read. */
export function readMessage(body: unknown): ReadMessage {
  if (Array.isArray(body)) return { kind: "batch" };
  const isObject = typeof body === "object" && body !== null;
  const hasId = isObject && "id" in body;
  if (isObject && ("result" in body || "error" in body)) {
    return jsonRpcResponseSchema.safeParse(body).success
      ? { kind: "response" }
      : { kind: "invalid", id: null, reason: "the body is not a valid JSON-RPC response" };
  }
  const parsed = (hasId ? jsonRpcRequestSchema : jsonRpcNotificationSchema).safeParse(body);
  if (parsed.success) {
    return hasId
      ? { kind: "request", message: parsed.data as JsonRpcRequest }
      : { kind: "notification", message: parsed.data as JsonRpcNotification };
  }
  const id = hasId ? jsonRpcIdSchema.safeParse((body as { id: unknown }).id) : undefined;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return {
    kind: "invalid",
    id: id?.success ? id.data : null,
    reason: `not a JSON-RPC 2.0 ${hasId ? "request" : "notification"} (${field}${issue?.message ?? "invalid"})`,
  };
}
