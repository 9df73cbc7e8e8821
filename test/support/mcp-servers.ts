import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { McpServer as LegacyMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createMcpHandler, McpServer as ModernMcpServer } from "@modelcontextprotocol/server";

export { LegacyMcpServer, ModernMcpServer };

/** One HTTP request an MCP test server received. */
export interface Received {
  method: string;
  /** the JSON-RPC method, for a POST */
  rpc?: string;
  /** the tool, for a tools/call */
  tool?: string;
  headers: IncomingHttpHeaders;
}

/** An MCP server on loopback, made with the official TypeScript SDK. */
export interface TestMcpServer {
  /** its MCP endpoint */
  url: string;
  /** every request it received, in order */
  received: Received[];
  /** how many times it was asked for `rpc` (and, for tools/call, `tool`) */
  count(rpc: string, tool?: string): number;
  close(): Promise<void>;
}

interface ServerOptions {
  /** the Authorization header it requires; others get 401 */
  authorization?: string;
  /** while this says so, every request gets 503 */
  down?: () => boolean;
}

/**
 * A 2025-11-25 server: the v1 SDK's `McpServer` over its `StreamableHTTPServerTransport`,
 * stateless (a server per request). `register` adds the tools on every request, so a test may
 * change them between turns. GET /calls answers what it received, for tests running in workerd.
 */
export function startLegacyMcpServer(
  register: (server: LegacyMcpServer) => void,
  options: ServerOptions = {},
): Promise<TestMcpServer> {
  return serve(options, async (req, res, body) => {
    const server = new LegacyMcpServer({ name: "legacy-test-server", version: "1.0.0" });
    register(server);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
}

/** A 2026-07-28 server: the v2 SDK's `createMcpHandler` (stateless, with the 2025 handshake as fallback). */
export function startModernMcpServer(
  register: (server: ModernMcpServer) => void,
  options: ServerOptions = {},
): Promise<TestMcpServer> {
  const handler = createMcpHandler(() => {
    const server = new ModernMcpServer({ name: "modern-test-server", version: "2.0.0" });
    register(server);
    return server;
  });
  const node = toNodeHandler(handler);
  return serve(options, (req, res, body) => node(req, res, body));
}

/** A server that answers every request with an HTTP error. */
export function startFailingServer(status: number): Promise<TestMcpServer> {
  return serve({}, async (_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" }).end("scripted failure");
  });
}

/** A loopback URL nothing listens on (a port that was free a moment ago). */
export async function unusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/mcp`;
}

async function serve(
  options: ServerOptions,
  handle: (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void>,
): Promise<TestMcpServer> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/calls") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
      return;
    }
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as { method?: string; params?: { name?: string } }) : undefined;
    received.push({
      method: req.method ?? "",
      ...(body?.method ? { rpc: body.method } : {}),
      ...(body?.method === "tools/call" && body.params?.name ? { tool: body.params.name } : {}),
      headers: req.headers,
    });
    if (options.down?.()) {
      res.writeHead(503).end();
      return;
    }
    if (options.authorization && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { "www-authenticate": "Bearer" }).end();
      return;
    }
    // stateless: no standalone GET stream to hold open
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    try {
      await handle(req, res, body);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    received,
    count: (rpc, tool) => received.filter((r) => r.rpc === rpc && (tool === undefined || r.tool === tool)).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}
