import { describe, expect, it } from "vitest";
import { type ArgLimit, checkLimits } from "./limits";

const REFUND: ArgLimit[] = [
  { arg: "amountCents", max: 10_000, over: "approval" },
  { arg: "amountCents", max: 100_000, over: "refuse" },
  { arg: "reason", maxLength: 20, over: "refuse" },
  { arg: "items.0.qty", min: 1, over: "refuse" },
];

describe("argument limits", () => {
  it.each([
    [{ amountCents: 5_000 }, "allow"],
    [{ amountCents: 10_000 }, "allow"],
    [{ amountCents: 10_001 }, "needs_approval"],
    [{ amountCents: 100_001 }, "block"],
    [{ amountCents: 5_000, reason: "x".repeat(21) }, "block"],
    [{ items: [{ qty: 0 }] }, "block"],
    [{ amountCents: "lots" }, "allow"], // a limit on numbers says nothing of a string (the schema does)
    [{}, "allow"],
  ])("%j is %s", (args, action) => {
    expect(checkLimits("issue_refund", args, REFUND).action).toBe(action);
  });

  it("says which argument broke which bound", () => {
    expect(checkLimits("issue_refund", { amountCents: 25_000 }, REFUND)).toEqual({
      action: "needs_approval",
      reason: "issue_refund: amountCents 25000 is above 10000; needs approval",
    });
  });
});
