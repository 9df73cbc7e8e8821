import { describe, expect, it } from "vitest";
import { MAX_TOOL_NAME, namespacedToolName, serverOfToolName } from "./tool-names";

describe("namespaced MCP tool names", () => {
  it.each([
    ["docs", "search", "docs__search"],
    ["docs", "get_page", "docs__get_page"],
    ["my-server", "list-items", "my-server__list-items"],
  ])("keeps %s's tool %s as %s", (server, tool, name) => {
    expect(namespacedToolName(server, tool)).toBe(name);
  });

  it("makes characters providers refuse safe and tells the tools apart by a hash", () => {
    const dotted = namespacedToolName("docs", "files.read");
    const underscored = namespacedToolName("docs", "files_read");
    expect(dotted).toMatch(/^docs__files_read_[0-9a-f]{8}$/);
    expect(underscored).toBe("docs__files_read");
    expect(dotted).not.toBe(underscored);
  });

  it("shortens names longer than 64 characters, keeping them distinct and stable", () => {
    const long = `a${"x".repeat(80)}`;
    const other = `b${"x".repeat(80)}`;
    const name = namespacedToolName("a-long-server-name", long);
    expect(name.length).toBe(MAX_TOOL_NAME);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(name).toBe(namespacedToolName("a-long-server-name", long));
    expect(name).not.toBe(namespacedToolName("a-long-server-name", other));
  });

  it("keeps a name of exactly 64 characters as it is", () => {
    const tool = "t".repeat(MAX_TOOL_NAME - "docs__".length);
    expect(namespacedToolName("docs", tool)).toBe(`docs__${tool}`);
  });

  it.each([
    ["docs__search", "docs"],
    ["my-server__a__b", "my-server"],
    ["calculator", null],
    ["__search", null],
    ["Docs__search", null],
  ])("reads the server of %s as %s", (name, server) => {
    expect(serverOfToolName(name)).toBe(server);
  });
});
