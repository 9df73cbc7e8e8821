import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ServerFrame } from "../../shared/contracts/frames";
import type { Message } from "../../shared/contracts/message.ts";
import { namespacedToolName } from "../../shared/mcp/tool-names.ts";
import { Client } from "../support/client.ts";
import { streamTurn } from "../support/live-client.ts";
import {
  startFailingServer,
  startLegacyMcpServer,
  startModernMcpServer,
  type TestMcpServer,
  unusedUrl,
} from "../support/mcp-servers.ts";
import { type MockOpenAI, type MockReply, startMockOpenAI } from "../support/openai-mock.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";

const SECRET = "Bearer docs-secret-token";
// tools the docs server lists; tests add and remove some between turns
const docsTools = new Set(["add", "fail", "gone", "files.read"]);

let docs: TestMcpServer;
let modern: TestMcpServer;
let slow: TestMcpServer;
let broken: TestMcpServer;
let runtime: Runtime;
let api: Client;

beforeAll(async () => {
  docs = await startLegacyMcpServer(
    (server) => {
      const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
      if (docsTools.has("add")) {
        server.registerTool(
          "add",
          { description: "Add two numbers.", inputSchema: { a: z.number(), b: z.number() } },
          ({ a, b }) => text(String(a + b)),
        );
      }
      if (docsTools.has("fail")) {
        server.registerTool("fail", { description: "Always fails.", inputSchema: {} }, () => {
          throw new Error("the index is rebuilding");
        });
      }
      if (docsTools.has("gone"))
        server.registerTool("gone", { description: "Soon removed.", inputSchema: {} }, () => text("here"));
      if (docsTools.has("late"))
        server.registerTool("late", { description: "Added later.", inputSchema: {} }, () => text("late but here"));
      if (docsTools.has("files.read")) {
        server.registerTool(
          "files.read",
          { description: "Read a file.", inputSchema: { path: z.string() } },
          ({ path }) => text(`contents of ${path}`),
        );
      }
    },
    { authorization: SECRET },
  );
  modern = await startModernMcpServer((server) => {
    server.registerTool(
      "echo",
      { description: "Echo a text.", inputSchema: z.object({ text: z.string() }) },
      ({ text }) => ({
        content: [{ type: "text", text: `echo: ${text}` }],
      }),
    );
  });
  slow = await startLegacyMcpServer((server) => {
    server.registerTool("wait", { description: "Takes its time.", inputSchema: {} }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return { content: [{ type: "text", text: "finally" }] };
    });
  });
  broken = await startFailingServer(500);
  runtime = await startRuntime({
    vars: {
      EDGENT_DEV_MODE: "true",
      EDGENT_MCP_SERVERS: JSON.stringify({
        docs: { url: docs.url },
        modern: { url: modern.url },
        slow: { url: slow.url, timeoutMs: 400 },
        broken: { url: broken.url },
        down: { url: await unusedUrl() },
      }),
      EDGENT_MCP_HEADERS: JSON.stringify({ docs: { Authorization: SECRET } }),
      EDGENT_AGENT_MCP_SERVERS: JSON.stringify({ assistant: ["docs", "modern", "slow", "broken", "down"] }),
    },
  });
  api = new Client(runtime.url);
});
afterAll(async () => {
  await runtime?.dispose();
  await Promise.all([docs, modern, slow, broken].map((server) => server?.close()));
});

const toolMessage = (messages: Message[]) => messages.find((m) => m.role === "tool");

describe("MCP tools in a turn (builtin model, real MCP servers on loopback)", () => {
  it("calls a 2025-11-25 server's tool by its namespaced name, sending the secret headers, and stores the result", async () => {
    const sessionId = await api.session();
    const turn = await api.say(sessionId, '/tool docs__add {"a":2,"b":3}');
    expect(turn.reply.content).toBe("Tool docs__add returned: 5");
    expect(toolMessage(turn.messages)).toMatchObject({
      role: "tool",
      toolName: "docs__add",
      content: "5",
      isError: false,
    });
    const calls = docs.received.filter((r) => r.tool === "add");
    expect(calls.length).toBeGreaterThan(0);
    for (const request of docs.received) expect(request.headers.authorization).toBe(SECRET);
    // POST only: no standalone GET stream held open by the session's object
    expect(docs.received.every((r) => r.method === "POST")).toBe(true);
  });

  it("speaks the stateless 2026-07-28 revision to a server that offers it", async () => {
    const sessionId = await api.session();
    const turn = await api.say(sessionId, '/tool modern__echo {"text":"hi"}');
    expect(turn.reply.content).toBe("Tool modern__echo returned: echo: hi");
    const call = modern.received.find((r) => r.tool === "echo");
    expect(call?.headers["mcp-protocol-version"]).toBe("2026-07-28");
    expect(call?.headers["mcp-method"]).toBe("tools/call");
    expect(call?.headers["mcp-name"]).toBe("echo");
    expect(modern.count("initialize")).toBe(0);
  });

  it("offers a tool whose name has characters providers refuse under a safe namespaced name", async () => {
    const sessionId = await api.session();
    // the name is stable: derive it the same way the runtime does and call it
    const name = namespacedToolName("docs", "files.read");
    expect(name).toMatch(/^docs__files_read_[0-9a-f]{8}$/);
    const turn = await api.say(sessionId, `/tool ${name} {"path":"README.md"}`);
    expect(turn.reply.content).toBe(`Tool ${name} returned: contents of README.md`);
  });

  it("checks arguments against the server's JSON Schema before calling, and shows the model what is wrong", async () => {
    const sessionId = await api.session();
    const before = docs.count("tools/call", "add");
    const turn = await api.say(sessionId, '/tool docs__add {"a":"two","b":3}');
    expect(turn.reply.content).toContain("Tool docs__add failed:");
    expect(turn.reply.content).toContain('a: Instance type "string" is invalid. Expected "number".');
    expect(toolMessage(turn.messages)?.isError).toBe(true);
    expect(docs.count("tools/call", "add")).toBe(before);
  });

  it("shows a tool's own error to the model as a tool error", async () => {
    const sessionId = await api.session();
    const turn = await api.say(sessionId, "/tool docs__fail {}");
    expect(turn.reply.content).toMatch(/^Tool docs__fail failed: .*the index is rebuilding$/);
    expect(toolMessage(turn.messages)).toMatchObject({ toolName: "docs__fail", isError: true });
  });

  it("turns a slow server into a tool error after its timeout", async () => {
    const sessionId = await api.session();
    const turn = await api.say(sessionId, "/tool slow__wait {}");
    expect(turn.reply.content).toMatch(/^Tool slow__wait failed: .*MCP server 'slow' did not answer within 400 ms$/);
  });

  it("goes on without a server that is down or failing, reporting it as an event and a tool error", async () => {
    const sessionId = await api.session();
    const { status, events } = await streamTurn(runtime.url, sessionId, { content: "/tool down__search {}" });
    expect(status).toBe(200);
    const problems = events
      .map((e) => e.frame)
      .flatMap((f) => (f.type === "event" && f.name === "mcp_unavailable" ? [f.data] : []));
    expect(problems).toEqual(
      expect.arrayContaining([
        { server: "down", error: "MCP server 'down' is unreachable", stale: false },
        { server: "broken", error: "MCP server 'broken' failed (HTTP 500)", stale: false },
      ]),
    );
    const done = events.at(-1)?.frame as Extract<ServerFrame, { type: "done" }>;
    expect(done.type).toBe("done");
    expect(done.body.status).toBe("completed");
    expect(done.body.reply.content).toContain("Tool down__search failed:");
    // the other servers' tools are offered as usual
    const next = await api.say(sessionId, '/tool docs__add {"a":1,"b":1}');
    expect(next.reply.content).toBe("Tool docs__add returned: 2");
  });

  it("lists a server's tools once per session while the list is fresh", async () => {
    const sessionId = await api.session();
    const before = docs.count("tools/list");
    await api.say(sessionId, '/tool docs__add {"a":1,"b":2}');
    await api.say(sessionId, '/tool docs__add {"a":3,"b":4}');
    await api.say(sessionId, "just talking");
    expect(docs.count("tools/list") - before).toBe(1);
  });

  it("lists again when the model calls a tool the list lacks, or the server no longer knows one", async () => {
    const sessionId = await api.session();
    await api.say(sessionId, "hello");
    const listed = docs.count("tools/list");

    docsTools.add("late");
    const unknown = await api.say(sessionId, "/tool docs__late {}");
    expect(unknown.reply.content).toContain("Tool docs__late failed:");
    const found = await api.say(sessionId, "/tool docs__late {}");
    expect(found.reply.content).toBe("Tool docs__late returned: late but here");
    expect(docs.count("tools/list")).toBe(listed + 1);

    docsTools.delete("gone");
    const gone = await api.say(sessionId, "/tool docs__gone {}");
    expect(gone.reply.content).toContain("Tool docs__gone failed:");
    expect(gone.reply.content).toContain("not found");
    await api.say(sessionId, "hello again");
    expect(docs.count("tools/list")).toBe(listed + 2);
  });
});

describe("MCP tools offered to a real provider's model", () => {
  let openai: MockOpenAI;
  let withProvider: Runtime;
  let script: MockReply[] = [];

  beforeAll(async () => {
    openai = await startMockOpenAI(() => script.shift() ?? { content: "done" });
    withProvider = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_AGENT_MODELS: JSON.stringify({ assistant: "openai:test-model" }),
        EDGENT_ESCALATION: "off",
        OPENAI_BASE_URL: openai.baseURL,
        OPENAI_API_KEY: "sk-loopback-test",
        EDGENT_MCP_SERVERS: JSON.stringify({ docs: { url: docs.url }, modern: { url: modern.url } }),
        EDGENT_MCP_HEADERS: JSON.stringify({ docs: { Authorization: SECRET } }),
        EDGENT_AGENT_MCP_SERVERS: JSON.stringify({ assistant: ["docs", "modern"], analyst: ["nowhere"] }),
      },
    });
  });
  afterAll(async () => {
    await withProvider?.dispose();
    await openai?.close();
  });

  it("gives the model each tool namespaced by server, with the server's JSON Schema, and runs its call", async () => {
    const client = new Client(withProvider.url);
    const sessionId = await client.session();
    const before = openai.requests.length;
    script = [
      { toolCalls: [{ id: "call_1", name: "docs__add", arguments: '{"a":20,"b":22}' }] },
      { content: "It is 42." },
    ];
    const turn = await client.say(sessionId, "what is 20 + 22?");
    expect(turn.reply.content).toBe("It is 42.");
    const offered = openai.requests[before]?.body.tools ?? [];
    const byName = new Map(offered.map((t) => [t.function.name, t.function]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(["calculator", "docs__add", "docs__fail", "modern__echo"]),
    );
    expect(byName.get("docs__add")).toMatchObject({
      description: "Add two numbers.",
      parameters: {
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
      },
    });
    for (const name of byName.keys()) expect(name.length).toBeLessThanOrEqual(64);
    const result = openai.requests[before + 1]?.body.messages.at(-1);
    expect(result).toMatchObject({ role: "tool", tool_call_id: "call_1", content: "42" });
  });

  it("refuses a turn of an agent that uses an MCP server no setting defines (503 misconfigured)", async () => {
    const client = new Client(withProvider.url);
    const sessionId = await client.session("analyst");
    const reply = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "hello" });
    expect(reply.status).toBe(503);
    expect(reply.code).toBe("misconfigured");
    expect(reply.text).toContain("EDGENT_MCP_SERVERS does not define");
    expect((await client.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 0 });
  });
});

describe("a server that stops answering after it was listed", () => {
  let flaky: TestMcpServer;
  let relisting: Runtime;
  let down = false;

  beforeAll(async () => {
    flaky = await startLegacyMcpServer(
      (server) => {
        server.registerTool("ping", { description: "Answers pong.", inputSchema: {} }, () => ({
          content: [{ type: "text", text: "pong" }],
        }));
      },
      { down: () => down },
    );
    relisting = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_MCP_SERVERS: JSON.stringify({ flaky: { url: flaky.url } }),
        EDGENT_AGENT_MCP_SERVERS: JSON.stringify({ assistant: ["flaky"] }),
        // list at every turn, so the second turn meets the outage
        EDGENT_MCP_TOOLS_TTL_MS: "0",
      },
    });
  });
  afterAll(async () => {
    await relisting?.dispose();
    await flaky?.close();
  });

  it("keeps offering its last list, says so, and does not ask it again for a while", async () => {
    const client = new Client(relisting.url);
    const sessionId = await client.session();
    expect((await client.say(sessionId, "/tool flaky__ping {}")).reply.content).toBe("Tool flaky__ping returned: pong");
    const listed = flaky.count("tools/list");

    down = true;
    const { events } = await streamTurn(relisting.url, sessionId, { content: "/tool flaky__ping {}" });
    const problem = events.map((e) => e.frame).find((f) => f.type === "event" && f.name === "mcp_unavailable");
    expect(problem).toMatchObject({
      data: { server: "flaky", error: "MCP server 'flaky' failed (HTTP 503)", stale: true },
    });
    const done = events.at(-1)?.frame as Extract<ServerFrame, { type: "done" }>;
    // the tool is still offered from the last list; its call fails as a tool error
    expect(done.body.reply.content).toMatch(/^Tool flaky__ping failed: .*MCP server 'flaky' failed \(HTTP 503\)$/);

    // within the retry delay the server is not asked for its list again
    const asked = flaky.received.length;
    await client.say(sessionId, "anyone there?");
    expect(flaky.received.length).toBe(asked);
    // one attempt, in the turn that met the outage
    expect(flaky.count("tools/list")).toBe(listed + 1);
    down = false;
  });
});
