import { describe, expect, it } from "vitest";
import { MAX_RESULT_CHARS, resultText, saysUnknownTool } from "./call-result";

describe("what the model is shown of an MCP tool result", () => {
  it.each([
    [{ content: [{ type: "text", text: "5" }] }, "5"],
    [
      {
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      "a\nb",
    ],
    [{ content: [], structuredContent: { sum: 5 } }, '{"sum":5}'],
    [{ content: [{ type: "text", text: "5" }], structuredContent: { sum: 5 } }, "5"],
    [{ content: [] }, "(no content)"],
    [
      { content: [{ type: "image", mimeType: "image/png", data: "A".repeat(4096) }] },
      "[image image/png, ~3 KB not shown]",
    ],
    [
      { content: [{ type: "resource_link", name: "readme", uri: "file:///readme.md" }] },
      "[resource link: readme <file:///readme.md>]",
    ],
    [
      { content: [{ type: "resource", resource: { uri: "file:///a.txt", text: "hello" } }] },
      "[resource <file:///a.txt>]\nhello",
    ],
    [{ content: [{ type: "hologram" }] }, "[hologram content not shown]"],
  ])("shows %j as %j", (result, text) => {
    expect(resultText(result)).toBe(text);
  });

  it("cuts a very long result, saying how much", () => {
    const text = resultText({ content: [{ type: "text", text: "x".repeat(MAX_RESULT_CHARS + 10) }] });
    expect(text.startsWith("x".repeat(MAX_RESULT_CHARS))).toBe(true);
    expect(text.endsWith("[10 more characters cut]")).toBe(true);
  });

  it.each([
    ["MCP error -32602: Tool nope not found", true],
    ["Tool nope not found", true],
    ["Unknown tool: nope", true],
    ["the database was not found", false],
    ["timeout", false],
  ])("reads %j as an unknown tool: %s", (message, unknown) => {
    expect(saysUnknownTool(message)).toBe(unknown);
  });
});
