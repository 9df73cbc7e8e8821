import { describe, expect, it } from "vitest";
import { defineAgent } from "./define";
import { registry } from "./registry";

const base = { description: "d", instructions: "i" };

describe("defineAgent delegation", () => {
  it("accepts delegates by name or with their own fallback, deadline and compensating action", () => {
    const compensate = () => "case opened";
    const agent = defineAgent({
      ...base,
      name: "boss",
      delegates: ["a", { agent: "b", fallback: "c", timeoutMs: 5_000, compensate }],
      fallback: "c",
    });
    expect(agent.delegates).toEqual(["a", "b"]);
    expect(agent.delegation).toEqual({
      a: { agent: "a" },
      b: { agent: "b", fallback: "c", timeoutMs: 5_000, compensate },
    });
  });

  it.each([
    [{ agent: "b", timeoutMs: 10 }, "timeoutMs of at least 100"],
    [{ agent: "b", fallback: "Not A Name" }, "must match"],
  ])("refuses a bad delegate policy %j", (policy, message) => {
    expect(() => defineAgent({ ...base, name: "boss", delegates: [policy] })).toThrow(message);
  });

  it("refuses a deployment whose delegate's fallback names no agent", () => {
    const worker = defineAgent({ ...base, name: "worker" });
    const boss = defineAgent({ ...base, name: "boss", delegates: [{ agent: "worker", fallback: "ghost" }] });
    expect(() => registry([boss, worker])).toThrow("unknown agent 'ghost'");
  });
});
