import { describe, expect, it } from "vitest";
import { calculate } from "./calculator";

describe("calculate", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["2 ^ 3 ^ 2", 512],
    ["-2 ^ 2", 4],
    ["10 % 4", 2],
    ["1.5e3 / 3", 500],
    ["- (3 - 5)", 2],
    [".5 + .25", 0.75],
  ])("evaluates %s to %d", (expression, value) => {
    expect(calculate(expression)).toEqual({ ok: true, value });
  });

  it.each([
    ["1 / 0", "division by zero"],
    ["2 +", "unexpected end of expression"],
    ["2 * (3", "expected ')'"],
    ["alert(1)", "unexpected 'a'"],
    ["1 2", "unexpected '2'"],
    ["(".repeat(100), "nested too deeply"],
    ["9 ^ 9 ^ 9", "not a finite number"],
  ])("rejects %s with an error", (expression, message) => {
    const result = calculate(expression);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});
