import type { TestProject } from "vitest/node";
import { z } from "zod";
import { startLegacyMcpServer } from "./mcp-servers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** the MCP endpoint of the workerd tests' fixture server */
    mcpFixtureUrl: string;
  }
}

/**
 * Starts an MCP server (the official SDK's) on loopback for the tests that run inside
 * workerd, which cannot listen themselves; its URL reaches their bindings through `inject`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startLegacyMcpServer((mcp) => {
    mcp.registerTool(
      "add",
      { description: "Add two numbers.", inputSchema: { a: z.number(), b: z.number() } },
      ({ a, b }) => ({
        content: [{ type: "text", text: String(a + b) }],
      }),
    );
    mcp.registerTool("secret", { description: "Reveals a secret.", inputSchema: {} }, () => ({
      content: [{ type: "text", text: "the secret" }],
    }));
  });
  project.provide("mcpFixtureUrl", server.url);
  return () => server.close();
}
