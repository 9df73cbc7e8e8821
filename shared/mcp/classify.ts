import type { JsonRpcError, JsonRpcRequest } from "../contracts/jsonrpc";
import { JSON_RPC_ERRORS } from "../contracts/jsonrpc";
import { LEGACY_PROTOCOL_VERSIONS, META, MODERN_PROTOCOL_VERSIONS, requestMetaSchema } from "../contracts/mcp";

/** The MCP request headers of a POST (values as sent, trimmed). */
export interface McpHeaders {
  protocolVersion?: string;
  method?: string;
  name?: string;
}

/** How a request is served: by the stateless revision, by the handshake one, or refused (HTTP 400). */
export type Classified =
  | { era: "modern"; version: string }
  | { era: "legacy"; version: string }
  | { era: "refused"; error: JsonRpcError };

/** The version a 2025 client that sends no MCP-Protocol-Version header speaks, as the spec says. */
const UNDECLARED_LEGACY_VERSION = "2025-03-26";
/** Methods whose `Mcp-Name` header mirrors `params.name` (or `params.uri`). */
const NAMED_METHODS = new Set(["tools/call", "prompts/get", "resources/read"]);

/**
 * Decides which revision serves a request. One that carries `_meta` with a protocol version
 * is stateless (2026-07-28): its `_meta` must be complete and its MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name headers must match the body. One without is a 2025 client's, whose
 * `initialize` negotiates and whose later requests name their version in the header.
 */
export function classify(request: JsonRpcRequest, headers: McpHeaders): Classified {
  const meta = request.params?._meta;
  const claims = typeof meta === "object" && meta !== null && META.protocolVersion in meta;
  const headerIsModern = headers.protocolVersion !== undefined && isModern(headers.protocolVersion);
  if (!claims) {
    if (headerIsModern && request.method === "initialize") {
      return refused(
        "header_mismatch",
        "an initialize request (the 2025 handshake) carries a 2026 MCP-Protocol-Version header",
      );
    }
    if (headerIsModern) {
      const message = `the MCP-Protocol-Version header names ${headers.protocolVersion}, whose requests must carry params._meta["${META.protocolVersion}"] and ["${META.clientCapabilities}"]`;
      return refused("invalid_params", message);
    }
    if (request.method === "initialize") return { era: "legacy", version: UNDECLARED_LEGACY_VERSION };
    const version = headers.protocolVersion ?? UNDECLARED_LEGACY_VERSION;
    if (!(LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
      return refused("unsupported_protocol_version", `unsupported protocol version '${version}'`, {
        supported: [...MODERN_PROTOCOL_VERSIONS, ...LEGACY_PROTOCOL_VERSIONS],
        requested: version,
      });
    }
    return { era: "legacy", version };
  }
  const parsed = requestMetaSchema.safeParse(meta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refused(
      "invalid_params",
      `params._meta${issue?.path.length ? `["${issue.path.join('"]["')}"]` : ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  const version = parsed.data[META.protocolVersion];
  if (headers.protocolVersion !== version) {
    return mismatch("MCP-Protocol-Version", headers.protocolVersion, version);
  }
  if (headers.method !== request.method) return mismatch("Mcp-Method", headers.method, request.method);
  if (NAMED_METHODS.has(request.method)) {
    const named = request.params?.name ?? request.params?.uri;
    const header = headers.name === undefined ? undefined : decodeHeaderValue(headers.name);
    if (typeof named !== "string" || header !== named) return mismatch("Mcp-Name", header, String(named));
  }
  if (!(MODERN_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
    return refused("unsupported_protocol_version", `unsupported protocol version '${version}'`, {
      supported: [...MODERN_PROTOCOL_VERSIONS],
      requested: version,
    });
  }
  return { era: "modern", version };
}

/** The version an `initialize` settles on: the client's if served, else the newest handshake revision. */
export function negotiate(requested: string): string {
  return (LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(requested) ? requested : LEGACY_PROTOCOL_VERSIONS[0];
}

/** A date-named revision from 2026-07-28 on: the per-request metadata era. */
function isModern(version: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(version) && version >= MODERN_PROTOCOL_VERSIONS[0];
}

/** A header value as sent, or its `=?base64?…?=` form decoded (UTF-8); undefined when malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  const encoded = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/.exec(value);
  if (!encoded) return value;
  try {
    const bytes = Uint8Array.from(atob(encoded[1] as string), (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

function mismatch(header: string, sent: string | undefined, body: string): Classified {
  const message =
    sent === undefined
      ? `the ${header} header is required and must be '${body}'`
      : `the ${header} header '${sent}' does not match the body's '${body}'`;
  return refused("header_mismatch", message);
}

function refused(name: keyof typeof JSON_RPC_ERRORS, message: string, data?: unknown): Classified {
  return { era: "refused", error: { code: JSON_RPC_ERRORS[name], message, ...(data === undefined ? {} : { data }) } };
}
