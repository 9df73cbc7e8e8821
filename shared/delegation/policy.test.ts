import { describe, expect, it } from "vitest";
import { billing, triage } from "../agents/support";
import { checkDelegation } from "./policy";

const LIMITS = { maxDepth: 3, maxFanout: 4 };

describe("delegation policy", () => {
  it("allows a declared delegate within the limits", () => {
    expect(checkDelegation(triage, "billing", { depth: 0, chain: ["triage"] }, 0, LIMITS)).toEqual({ ok: true });
  });

  it("refuses an agent that is not a declared delegate", () => {
    const check = checkDelegation(triage, "assistant", { depth: 0, chain: ["triage"] }, 0, LIMITS);
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("cannot delegate to 'assistant'") });
  });

  it("refuses a cycle back to an agent already on the chain", () => {
    const check = checkDelegation(billing, "triage", { depth: 1, chain: ["triage", "billing"] }, 0, LIMITS);
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("triage -> billing -> triage") });
  });

  it("refuses a task deeper than the depth limit", () => {
    const check = checkDelegation(billing, "knowledge", { depth: 3, chain: ["triage", "x", "billing"] }, 0, LIMITS);
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("depth limit") });
  });

  it("refuses tasks past the turn's fan-out limit", () => {
    const check = checkDelegation(triage, "knowledge", { depth: 0, chain: ["triage"] }, 4, LIMITS);
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("at most 4 tasks") });
  });
});
