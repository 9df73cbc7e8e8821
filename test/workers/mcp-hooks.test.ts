import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { ToolCall, ToolCallEnd } from "../../durable-objects/session/turn/hooks";
import { sessionApi } from "../../durable-objects/stubs";

const TENANT = "dev";

/** The tool calls a turn's hooks were shown, in order. */
type Seen = Array<{ call: ToolCall; end?: ToolCallEnd }>;

/** The tools/call requests the fixture MCP server received, by tool name. */
async function serverCalls(): Promise<string[]> {
  const response = await fetch(new URL("/calls", inject("mcpFixtureUrl")));
  const received = (await response.json()) as Array<{ tool?: string }>;
  return received.flatMap((r) => (r.tool ? [r.tool] : []));
}

describe("MCP tool calls and the turn's hooks (inside workerd)", () => {
  it("pass beforeToolCall and afterToolCall, which may refuse one before it reaches the server", async () => {
    const sessionId = `mcp-hooks-${crypto.randomUUID()}`;
    const api = sessionApi(env, TENANT, sessionId);
    // the workers project attaches the fixture MCP server to the extractor agent
    await api.create({ tenant: TENANT, sessionId, agent: "extractor" });
    const stub = env.SESSIONS.getByName(`${TENANT}:${sessionId}`);
    await runInDurableObject(stub, (instance) => {
      const seen: Seen = [];
      (globalThis as { mcpSeen?: Seen }).mcpSeen = seen;
      instance.addTurnHooks(() => ({
        beforeToolCall: (call) => {
          seen.push({ call });
          return call.toolName === "fixture__secret" ? { action: "refuse", reason: "secrets stay secret" } : undefined;
        },
        afterToolCall: (call, end) => {
          const entry = seen.find((s) => s.call === call);
          if (entry) entry.end = end;
        },
      }));
    });

    const added = await api.sendMessage({ tenant: TENANT, sessionId, content: '/tool fixture__add {"a":1,"b":2}' });
    expect(added.status).toBe("completed");
    const refused = await api.sendMessage({ tenant: TENANT, sessionId, content: "/tool fixture__secret {}" });
    expect(refused.status).toBe("completed");
    if (refused.status !== "completed") return;
    expect(refused.response.messages.find((m) => m.role === "tool")).toMatchObject({
      toolName: "fixture__secret",
      isError: true,
      content: expect.stringContaining("secrets stay secret"),
    });

    await runInDurableObject(stub, () => {
      const seen = (globalThis as { mcpSeen?: Seen }).mcpSeen ?? [];
      expect(seen.map((s) => [s.call.toolName, s.call.input, s.end?.ok])).toEqual([
        ["fixture__add", { a: 1, b: 2 }, true],
        ["fixture__secret", {}, false],
      ]);
      expect(seen[0]?.end).toMatchObject({ ok: true, output: "3" });
      expect(seen[1]?.end).toMatchObject({ ok: false, error: "secrets stay secret" });
    });
    // the refused call never reached the server
    const calls = await serverCalls();
    expect(calls).toContain("add");
    expect(calls).not.toContain("secret");
  });
});
