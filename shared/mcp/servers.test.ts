import { describe, expect, it } from "vitest";
import { defineAgent } from "../agents/define";
import { parseSettings } from "../settings";
import { mcpServersFor } from "./servers";

const SERVERS = JSON.stringify({
  docs: { url: "https://docs.example.com/mcp" },
  local: { url: "http://127.0.0.1:3000/mcp", timeoutMs: 500 },
});

function agent(mcpServers?: Parameters<typeof defineAgent>[0]["mcpServers"]) {
  return defineAgent({ name: "helper", description: "d", instructions: "i", mcpServers });
}

describe("the MCP servers an agent uses", () => {
  it("reads each server's URL, secret headers, timeout and tool filter", () => {
    const settings = parseSettings({
      EDGENT_MCP_SERVERS: SERVERS,
      EDGENT_MCP_HEADERS: JSON.stringify({ docs: { Authorization: "Bearer s" } }),
      EDGENT_MCP_TIMEOUT_MS: "2000",
      EDGENT_MCP_TOOLS_TTL_MS: "0",
    });
    const resolved = mcpServersFor(agent(["docs", { server: "local", tools: ["add"] }]), settings);
    expect(resolved).toEqual({
      ok: true,
      servers: [
        {
          name: "docs",
          url: "https://docs.example.com/mcp",
          headers: { Authorization: "Bearer s" },
          timeoutMs: 2000,
          ttlMs: 0,
        },
        {
          name: "local",
          url: "http://127.0.0.1:3000/mcp",
          headers: {},
          timeoutMs: 500,
          ttlMs: 0,
          tools: new Set(["add"]),
        },
      ],
    });
  });

  it("adds the servers EDGENT_AGENT_MCP_SERVERS names for the agent, keeping the definition's filter", () => {
    const settings = parseSettings({
      EDGENT_MCP_SERVERS: SERVERS,
      EDGENT_AGENT_MCP_SERVERS: JSON.stringify({ helper: ["local", "docs"], other: ["docs"] }),
    });
    const resolved = mcpServersFor(agent([{ server: "local", tools: ["add"] }]), settings);
    if (!resolved.ok) throw new Error(resolved.failure.message);
    expect(resolved.servers.map((server) => [server.name, server.tools])).toEqual([
      ["local", new Set(["add"])],
      ["docs", undefined],
    ]);
  });

  it("uses none, whatever the MCP settings, for an agent that names none", () => {
    const settings = parseSettings({ EDGENT_MCP_SERVERS: "{broken", EDGENT_MCP_TIMEOUT_MS: "0" });
    expect(mcpServersFor(agent(), settings)).toEqual({ ok: true, servers: [] });
  });

  it.each([
    [{ EDGENT_MCP_SERVERS: "{}" }, ["docs"], "uses MCP server 'docs', which EDGENT_MCP_SERVERS does not define"],
    [{ EDGENT_MCP_SERVERS: SERVERS, EDGENT_MCP_TIMEOUT_MS: "0" }, ["docs"], "EDGENT_MCP_TIMEOUT_MS must be"],
    [{ EDGENT_MCP_SERVERS: SERVERS, EDGENT_MCP_HEADERS: "[" }, ["docs"], "EDGENT_MCP_HEADERS is not valid JSON"],
    [{ EDGENT_AGENT_MCP_SERVERS: '{"helper":1}' }, [], "EDGENT_AGENT_MCP_SERVERS must be"],
  ])("is a configuration error with %j for an agent using %j", (vars, uses, message) => {
    const resolved = mcpServersFor(agent(uses), parseSettings(vars));
    expect(resolved).toEqual({
      ok: false,
      failure: { code: "misconfigured", message: expect.stringContaining(message) },
    });
  });
});

describe("an agent definition naming MCP servers", () => {
  it("takes names and {server, tools} alike", () => {
    expect(agent(["docs", { server: "local", tools: ["add"] }]).mcpServers).toEqual([
      { server: "docs" },
      { server: "local", tools: ["add"] },
    ]);
    expect(agent().mcpServers).toEqual([]);
  });

  it.each([[["Docs"]], [["my_server"]], [["docs", { server: "docs" }]]])("refuses %j", (uses) => {
    expect(() => agent(uses)).toThrow();
  });
});
