import { describe, expect, it } from "vitest";
import type { JsonRpcRequest } from "../contracts/jsonrpc";
import { classify, decodeHeaderValue, negotiate } from "./classify";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "host", version: "1" },
};

function request(method: string, params?: Record<string, unknown>): JsonRpcRequest {
  return { jsonrpc: "2.0", id: 1, method, ...(params ? { params } : {}) };
}

const modern = { protocolVersion: "2026-07-28", method: "tools/list" };

describe("which revision serves an MCP request", () => {
  it.each([
    [
      "a stateless request with matching headers",
      request("tools/list", { _meta: META }),
      modern,
      { era: "modern", version: "2026-07-28" },
    ],
    [
      "a stateless tools/call with its Mcp-Name",
      request("tools/call", { name: "assistant", _meta: META }),
      { protocolVersion: "2026-07-28", method: "tools/call", name: "assistant" },
      { era: "modern", version: "2026-07-28" },
    ],
    [
      "a stateless tools/call whose Mcp-Name is base64-encoded",
      request("tools/call", { name: "héllo", _meta: META }),
      { protocolVersion: "2026-07-28", method: "tools/call", name: `=?base64?${btoa("h\u00c3\u00a9llo")}?=` },
      { era: "modern", version: "2026-07-28" },
    ],
    [
      "an initialize",
      request("initialize", { protocolVersion: "2025-11-25" }),
      {},
      { era: "legacy", version: "2025-03-26" },
    ],
    [
      "a 2025 request naming its version",
      request("tools/list"),
      { protocolVersion: "2025-06-18" },
      { era: "legacy", version: "2025-06-18" },
    ],
    ["a 2025 request without the header", request("ping"), {}, { era: "legacy", version: "2025-03-26" }],
  ])("serves %s", (_what, message, headers, expected) => {
    expect(classify(message, headers)).toEqual(expected);
  });

  it.each([
    ["a missing MCP-Protocol-Version header", request("tools/list", { _meta: META }), { method: "tools/list" }, -32020],
    [
      "a header naming another version",
      request("tools/list", { _meta: META }),
      { ...modern, protocolVersion: "2026-08-01" },
      -32020,
    ],
    ["a missing Mcp-Method header", request("tools/list", { _meta: META }), { protocolVersion: "2026-07-28" }, -32020],
    [
      "an Mcp-Method naming another method",
      request("tools/list", { _meta: META }),
      { ...modern, method: "tools/call" },
      -32020,
    ],
    [
      "a tools/call without Mcp-Name",
      request("tools/call", { name: "assistant", _meta: META }),
      { protocolVersion: "2026-07-28", method: "tools/call" },
      -32020,
    ],
    [
      "an Mcp-Name naming another tool",
      request("tools/call", { name: "assistant", _meta: META }),
      { protocolVersion: "2026-07-28", method: "tools/call", name: "triage" },
      -32020,
    ],
    [
      "_meta without clientCapabilities",
      request("tools/list", { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } }),
      modern,
      -32602,
    ],
    ["a 2026 header without _meta", request("tools/list"), modern, -32602],
    ["an initialize with a 2026 header", request("initialize", {}), { protocolVersion: "2026-07-28" }, -32020],
    [
      "an unknown stateless version",
      request("tools/list", { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "2027-01-01" } }),
      { protocolVersion: "2027-01-01", method: "tools/list" },
      -32022,
    ],
    ["an unknown 2025-era version", request("tools/list"), { protocolVersion: "2024-11-05" }, -32022],
  ])("refuses %s", (_what, message, headers, code) => {
    const classified = classify(message, headers);
    expect(classified.era).toBe("refused");
    if (classified.era === "refused") expect(classified.error.code).toBe(code);
  });

  it("lists the versions it serves when it refuses one", () => {
    const classified = classify(request("tools/list"), { protocolVersion: "2024-11-05" });
    expect(classified).toMatchObject({
      error: { data: { supported: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"], requested: "2024-11-05" } },
    });
  });

  it.each([
    ["2025-11-25", "2025-11-25"],
    ["2025-03-26", "2025-03-26"],
    ["2024-11-05", "2025-11-25"],
    ["2026-07-28", "2025-11-25"],
  ])("answers an initialize asking for %s with %s", (requested, settled) => {
    expect(negotiate(requested)).toBe(settled);
  });

  it.each([
    ["assistant", "assistant"],
    [`=?base64?${btoa("assistant")}?=`, "assistant"],
    ["=?base64?not base64?=", "=?base64?not base64?="],
    ["=?base64?/w==?=", undefined],
  ])("reads the header value %j as %j", (value, decoded) => {
    expect(decodeHeaderValue(value)).toBe(decoded);
  });
});
