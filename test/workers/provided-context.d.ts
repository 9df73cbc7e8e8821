// What test/support/mcp-fixture.ts provides to the tests running in workerd.
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** the MCP endpoint of the fixture server */
    mcpFixtureUrl: string;
  }
}
