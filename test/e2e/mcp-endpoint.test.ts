import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { agentListSchema } from "../../shared/contracts/agents.ts";
import { type AgentToolOutput, agentToolOutputSchema, callToolResultSchema } from "../../shared/contracts/mcp.ts";
import { useRuntime } from "../support/fixture.ts";

const suite = useRuntime();
const endpoint = () => new URL("/v1/mcp", suite.runtime.url);
const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** What a client sent, and what the endpoint answered, request by request. */
interface Exchange {
  method: string;
  body: { method?: string } | undefined;
  headers: Headers;
  status: number;
  sessionHeader: string | null;
}

/** A fetch that records each exchange, as a proxy between a real client and the endpoint would. */
function recording(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const text = typeof init?.body === "string" ? init.body : undefined;
    exchanges.push({
      method: init?.method ?? "GET",
      body: text ? (JSON.parse(text) as { method?: string }) : undefined,
      headers: new Headers(init?.headers),
      status: response.status,
      sessionHeader: response.headers.get("mcp-session-id"),
    });
    return response;
  };
}

/** The 2025-11-25 handshake, with the v1 SDK's client. */
async function legacyClient(
  token = "dev-token",
  transport = new LegacyTransport(endpoint(), { requestInit: auth(token) }),
) {
  const client = new LegacyClient({ name: "legacy-host", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** The stateless 2026-07-28 revision, with the v2 SDK's client negotiating automatically. */
async function modernClient(token = "dev-token", exchanges: Exchange[] = []): Promise<Client> {
  const client = new Client({ name: "modern-host", version: "2.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(
    new StreamableHTTPClientTransport(endpoint(), { requestInit: auth(token), fetch: recording(exchanges) }),
  );
  return client;
}

/** The text of a tool result's content blocks. */
function textOf(result: unknown): string {
  return callToolResultSchema
    .parse(result)
    .content.map((block) => block.text)
    .join("");
}

/** A tool result's structured content, read with the contract. */
function structuredOf(result: unknown): AgentToolOutput {
  return agentToolOutputSchema.parse(callToolResultSchema.parse(result).structuredContent);
}

async function agentNames(): Promise<string[]> {
  const listed = (await suite.api.get("/v1/agents")).parse(agentListSchema);
  return listed.agents.map((agent) => agent.name);
}

describe("the agents as an MCP server, with the official clients", () => {
  it("serves a 2025-11-25 client its handshake, one tool per agent, and turns that continue a session", async () => {
    const transport = new LegacyTransport(endpoint(), { requestInit: auth("dev-token") });
    const client = await legacyClient("dev-token", transport);
    expect(transport.protocolVersion).toBe("2025-11-25");
    expect(transport.sessionId).toBeUndefined();
    expect(client.getServerVersion()).toMatchObject({ name: "edgent" });
    await client.ping();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(await agentNames());
    const assistant = tools.find((tool) => tool.name === "assistant");
    expect(assistant?.inputSchema).toMatchObject({
      type: "object",
      properties: { message: { type: "string" }, sessionId: { type: "string" } },
      required: ["message"],
    });

    const first = await client.callTool({ name: "assistant", arguments: { message: "hello from an IDE" } });
    expect(first.isError).toBeFalsy();
    expect(textOf(first)).toBe("hello from an IDE");
    const { sessionId, turnId, status, usage } = structuredOf(first);
    expect(status).toBe("completed");
    expect(turnId).toEqual(expect.any(String));
    expect(usage).toMatchObject({ modelCalls: 1 });

    const second = await client.callTool({ name: "assistant", arguments: { message: "/history", sessionId } });
    expect(JSON.parse(textOf(second))).toEqual(["hello from an IDE", "/history"]);
    // the same session the native API shows
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({
      agent: "assistant",
      messageCount: 4,
    });
    await client.close();
  });

  it("serves a client negotiating automatically the stateless 2026-07-28 revision: no initialize, no session header", async () => {
    const exchanges: Exchange[] = [];
    const client = await modernClient("dev-token", exchanges);
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    expect(client.getProtocolEra()).toBe("modern");
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(await agentNames());
    const result = await client.callTool({
      name: "assistant",
      arguments: { message: '/tool calculator {"expression":"6*7"}' },
    });
    expect(textOf(result)).toBe('Tool calculator returned: {"expression":"6*7","value":42}');
    expect(result.structuredContent).toMatchObject({ status: "completed", reply: textOf(result) });
    await client.close();

    expect(exchanges.map((e) => e.body?.method)).toEqual(["server/discover", "tools/list", "tools/call"]);
    for (const exchange of exchanges) {
      expect(exchange.method).toBe("POST");
      expect(exchange.status).toBe(200);
      expect(exchange.headers.get("mcp-protocol-version")).toBe("2026-07-28");
      expect(exchange.sessionHeader).toBeNull();
    }
  });

  it("refuses a client with a bad token, with either revision", async () => {
    await expect(legacyClient("not-a-token")).rejects.toThrow();
    await expect(modernClient("not-a-token")).rejects.toThrow(/401|authoriz/i);
    const reply = await suite.api.withToken(null).post("/v1/mcp", { jsonrpc: "2.0", id: 1, method: "ping" });
    expect(reply.status).toBe(401);
    expect(reply.headers.get("www-authenticate")).toContain("Bearer");
    expect(reply.json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it("keeps tenants apart: the same sessionId is another conversation for another tenant", async () => {
    const sessionId = `shared-${crypto.randomUUID()}`;
    const dev = await modernClient("dev-token");
    await dev.callTool({ name: "assistant", arguments: { message: "my secret is 42", sessionId } });
    const dev2 = await modernClient("dev-token-2");
    const seen = await dev2.callTool({ name: "assistant", arguments: { message: "/history", sessionId } });
    expect(JSON.parse(textOf(seen))).toEqual(["/history"]);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 2 });
    expect((await suite.api.withToken("dev-token-2").get(`/v1/sessions/${sessionId}`)).json).toMatchObject({
      messageCount: 2,
    });

    const own = await dev.callTool({ name: "assistant", arguments: { message: "private" } });
    const ownSession = structuredOf(own).sessionId;
    expect((await suite.api.withToken("dev-token-2").get(`/v1/sessions/${ownSession}`)).status).toBe(404);
    await dev.close();
    await dev2.close();
  });

  it("answers bad arguments and another agent's session as tool errors, and an unknown tool as invalid params", async () => {
    const client = await modernClient();
    const bad = await client.callTool({ name: "assistant", arguments: { text: "hi" } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain("invalid arguments");

    const first = await client.callTool({ name: "analyst", arguments: { message: "hello" } });
    const { sessionId } = structuredOf(first);
    const wrong = await client.callTool({ name: "assistant", arguments: { message: "hello", sessionId } });
    expect(wrong.isError).toBe(true);
    expect(textOf(wrong)).toContain("is a conversation with agent 'analyst'");

    await expect(client.callTool({ name: "nobody", arguments: { message: "hi" } })).rejects.toMatchObject({
      code: -32602,
    });
    await client.close();

    const legacy = await legacyClient();
    await expect(legacy.callTool({ name: "nobody", arguments: { message: "hi" } })).rejects.toMatchObject({
      code: -32602,
    });
    await legacy.close();
  });
});

const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
};
const MODERN_HEADERS = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" };

describe("the MCP endpoint over raw HTTP", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) => suite.api.post("/v1/mcp", body, headers);

  it.each(["GET", "DELETE", "PUT"])("answers %s with 405 and Allow: POST (no stream, no session)", async (method) => {
    const reply = await suite.api.request(method, "/v1/mcp");
    expect(reply.status).toBe(405);
    expect(reply.headers.get("allow")).toBe("POST");
    expect(reply.json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it.each([
    ["malformed JSON", "{not json", {}, 400, -32700, null],
    ["a batch", [{ jsonrpc: "2.0", id: 1, method: "ping" }], {}, 400, -32600, null],
    ["a request without jsonrpc", { id: 7, method: "ping" }, {}, 400, -32600, 7],
    ["a null id", { jsonrpc: "2.0", id: null, method: "ping" }, {}, 400, -32600, null],
    ["an unknown method (2025)", { jsonrpc: "2.0", id: 2, method: "prompts/list" }, {}, 200, -32601, 2],
    [
      "an unknown method (2026-07-28)",
      { jsonrpc: "2.0", id: 3, method: "prompts/list", params: { _meta: MODERN_META } },
      { ...MODERN_HEADERS, "mcp-method": "prompts/list" },
      404,
      -32601,
      3,
    ],
    [
      "headers that disagree with the body",
      { jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: MODERN_META } },
      { ...MODERN_HEADERS, "mcp-method": "tools/call" },
      400,
      -32020,
      4,
    ],
    [
      "_meta without clientCapabilities",
      {
        jsonrpc: "2.0",
        id: 5,
        method: "tools/list",
        params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
      },
      MODERN_HEADERS,
      400,
      -32602,
      5,
    ],
    [
      "an unsupported protocol version",
      { jsonrpc: "2.0", id: 6, method: "tools/list" },
      { "mcp-protocol-version": "2024-11-05" },
      400,
      -32022,
      6,
    ],
    [
      "tools/call without a tool name",
      { jsonrpc: "2.0", id: 8, method: "tools/call", params: { arguments: {} } },
      {},
      200,
      -32602,
      8,
    ],
  ])("answers %s with HTTP %s and JSON-RPC %s", async (_what, body, headers, status, code, id) => {
    const reply = await post(body, headers);
    expect(reply.status).toBe(status);
    expect(reply.headers.get("content-type")).toContain("application/json");
    expect(reply.json).toMatchObject({ jsonrpc: "2.0", id, error: { code } });
  });

  it("lists the versions it serves when it refuses one", async () => {
    const reply = await post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { "mcp-protocol-version": "1999-01-01" });
    expect(reply.json).toMatchObject({
      error: { data: { supported: expect.arrayContaining(["2026-07-28", "2025-11-25"]) } },
    });
  });

  it("accepts notifications and posted responses with 202 and no body", async () => {
    for (const body of [
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } },
      { jsonrpc: "2.0", id: 9, result: {} },
    ]) {
      const reply = await post(body);
      expect(reply.status).toBe(202);
      expect(reply.text).toBe("");
    }
  });

  it("answers server/discover with the revisions it serves and the fields they require", async () => {
    const reply = await post(
      { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: MODERN_META } },
      { ...MODERN_HEADERS, "mcp-method": "server/discover" },
    );
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      result: {
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {} },
        resultType: "complete",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "edgent" } },
      },
    });
  });

  it("refuses a body that is not JSON, and a browser page from another origin", async () => {
    const text = await post("ping", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    const foreign = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const own = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: suite.runtime.url.origin });
    expect(own.status).toBe(200);
  });
});
