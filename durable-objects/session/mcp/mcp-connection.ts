import {
  type CallToolResult,
  Client,
  type FetchLike,
  ProtocolError,
  SdkHttpError,
  StreamableHTTPClientTransport,
  type Tool,
} from "@modelcontextprotocol/client";
import { saysUnknownTool } from "../../../shared/mcp/call-result";
import type { McpServerConfig } from "../../../shared/mcp/servers";

/** How an MCP request failed. */
export type McpFailureKind =
  | "unreachable" // no answer at the HTTP level: refused, reset, DNS, a 5xx
  | "timeout" // no answer within the server's timeout
  | "refused" // 401 or 403: its headers (EDGENT_MCP_HEADERS) are wrong or missing
  | "error" // the server answered with a JSON-RPC error
  | "unknown_tool" // the server says it has no such tool
  | "cancelled"; // the turn was cancelled while the request ran

/** A failed MCP request, in words the model may be shown: never the URL or the headers. */
export class McpFailure extends Error {
  override readonly name = "McpFailure";

  constructor(
    readonly kind: McpFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Edgent as MCP servers see it. */
const CLIENT_INFO = { name: "edgent", version: "0.1.0" };

/**
 * The standalone GET stream of the 2025 transport carries server-initiated requests, which
 * an agent's turn cannot answer; held open it would keep the object awake. Answering it as
 * a server without one would (405) keeps every request a plain POST.
 */
const postOnly: FetchLike = (url, init) =>
  (init?.method ?? "GET").toUpperCase() === "GET"
    ? Promise.resolve(new Response(null, { status: 405 }))
    : fetch(url, init);

/**
 * One MCP server as a session's object reaches it, over Streamable HTTP with the official
 * client, connected on first use and kept for later turns. The client speaks the stateless
 * 2026-07-28 revision to servers that offer it (its `server/discover` probe) and the
 * 2025-11-25 handshake to the others. Every request has the server's timeout (connecting
 * included); a network or HTTP failure drops the connection, so the next request reconnects.
 */
export class McpConnection {
  private client: Promise<Client> | null = null;

  constructor(readonly server: McpServerConfig) {}

  /** Every tool the server lists (all pages). */
  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    return this.request(signal, async (client, options) => {
      const listed = await client.listTools(undefined, { ...options, cacheMode: "refresh" });
      return listed.tools;
    });
  }

  /** Calls a tool; a result with `isError` is returned as it is. */
  async callTool(tool: Tool, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    return this.request(signal, (client, options) =>
      // the listed definition lets a new connection mirror headers and check structured output
      client.callTool({ name: tool.name, arguments: args }, { ...options, toolDefinition: tool }),
    );
  }

  /** Closes the connection, if any. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.then((connected) => connected.close()).catch(() => undefined);
  }

  private async request<T>(
    signal: AbortSignal | undefined,
    work: (client: Client, options: { signal: AbortSignal; timeout: number }) => Promise<T>,
  ): Promise<T> {
    const { timeoutMs } = this.server;
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
    try {
      const client = await this.connected(combined);
      return await work(client, { signal: combined, timeout: timeoutMs });
    } catch (error) {
      const failure = this.failure(error, deadline, signal);
      // the server may have restarted or dropped its session: the next request reconnects.
      // A timeout, a cancel or the server's own error says nothing against the connection.
      if (failure.kind === "unreachable" || failure.kind === "refused") void this.close();
      throw failure;
    }
  }

  private connected(signal: AbortSignal): Promise<Client> {
    if (!this.client) {
      const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: "auto" } });
      const transport = new StreamableHTTPClientTransport(new URL(this.server.url), {
        fetch: postOnly,
        requestInit: { headers: { ...this.server.headers } },
      });
      const connecting = client.connect(transport, { signal, timeout: this.server.timeoutMs }).then(() => client);
      this.client = connecting;
      connecting.catch(() => {
        if (this.client === connecting) this.client = null;
      });
    }
    return this.client;
  }

  private failure(error: unknown, deadline: AbortSignal, signal: AbortSignal | undefined): McpFailure {
    const name = `MCP server '${this.server.name}'`;
    if (signal?.aborted) return new McpFailure("cancelled", `the call to ${name} was cancelled`);
    if (deadline.aborted) return new McpFailure("timeout", `${name} did not answer within ${this.server.timeoutMs} ms`);
    if (error instanceof ProtocolError) {
      const kind = saysUnknownTool(error.message) ? "unknown_tool" : "error";
      return new McpFailure(kind, `${name} answered with an error: ${error.message}`);
    }
    const status = error instanceof SdkHttpError ? httpStatus(error) : undefined;
    if (status === 401 || status === 403) {
      return new McpFailure("refused", `${name} refused the request (HTTP ${status}); check its EDGENT_MCP_HEADERS`);
    }
    if (status !== undefined) return new McpFailure("unreachable", `${name} failed (HTTP ${status})`);
    if (isTimeout(error)) return new McpFailure("timeout", `${name} did not answer within ${this.server.timeoutMs} ms`);
    return new McpFailure("unreachable", `${name} is unreachable`);
  }
}

function httpStatus(error: SdkHttpError): number | undefined {
  const data = error.data as { status?: unknown } | undefined;
  return typeof data?.status === "number" ? data.status : undefined;
}

function isTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "REQUEST_TIMEOUT";
}
