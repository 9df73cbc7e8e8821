import { describe, expect, it } from "vitest";
import { readMessage } from "./jsonrpc";

describe("reading a posted JSON-RPC message", () => {
  it.each([
    [{ jsonrpc: "2.0", id: 1, method: "ping" }, "request"],
    [{ jsonrpc: "2.0", id: "a", method: "tools/list", params: { cursor: "x" } }, "request"],
    [{ jsonrpc: "2.0", method: "notifications/initialized" }, "notification"],
    [{ jsonrpc: "2.0", id: 1, result: {} }, "response"],
    [{ jsonrpc: "2.0", id: null, error: { code: -32600, message: "bad" } }, "response"],
    [[{ jsonrpc: "2.0", id: 1, method: "ping" }], "batch"],
  ])("reads %j as a %s", (body, kind) => {
    expect(readMessage(body).kind).toBe(kind);
  });

  it.each([
    [{ id: 7, method: "ping" }, 7],
    [{ jsonrpc: "2.0", id: null, method: "ping" }, null],
    [{ jsonrpc: "2.0", id: 1.5, method: "ping" }, null],
    [{ jsonrpc: "1.0", method: "ping" }, null],
    [{ jsonrpc: "2.0", id: 3, method: "" }, 3],
    [{ jsonrpc: "2.0", id: 4, method: "ping", params: [1, 2] }, 4],
    [{ jsonrpc: "2.0", id: 5, result: "not an object" }, null],
    ["ping", null],
    [null, null],
  ])("refuses %j, keeping the id %j when it can be read", (body, id) => {
    const read = readMessage(body);
    expect(read).toMatchObject({ kind: "invalid", id });
  });
});
