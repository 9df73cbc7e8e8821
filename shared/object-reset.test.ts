import { describe, expect, it } from "vitest";
import { isObjectReset, retryIfReset } from "./object-reset";

const reset = Object.assign(new Error("the object's storage was wiped"), { durableObjectReset: true });

describe("isObjectReset", () => {
  it.each([
    [reset, true],
    [Object.assign(new Error("x"), { retryable: true }), true],
    [Object.assign(new Error("x"), { overloaded: true }), true],
    [new Error("destroyed"), true],
    [new Error("boom"), false],
    ["text", false],
    [null, false],
  ])("%s → %s", (error, expected) => {
    expect(isObjectReset(error)).toBe(expected);
  });
});

describe("retryIfReset", () => {
  it("makes the call once more after a reset, and only once", async () => {
    let calls = 0;
    await expect(
      retryIfReset(async () => {
        calls++;
        if (calls === 1) throw reset;
        return "fresh";
      }),
    ).resolves.toBe("fresh");
    calls = 0;
    await expect(
      retryIfReset(async () => {
        calls++;
        throw reset;
      }),
    ).rejects.toBe(reset);
    expect(calls).toBe(2);
  });

  it("does not repeat a call that failed otherwise", async () => {
    let calls = 0;
    const boom = new Error("boom");
    await expect(
      retryIfReset(async () => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });
});
