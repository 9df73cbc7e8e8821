import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "./retry-delay";

describe("retryDelaySeconds", () => {
  it("doubles the retry delay with each failed attempt, up to the Queues limit of 12 h", () => {
    expect([1, 2, 3, 4].map((failed) => retryDelaySeconds(failed, 2))).toEqual([2, 4, 8, 16]);
    expect(retryDelaySeconds(30, 2)).toBe(43_200);
    expect(retryDelaySeconds(3, 0)).toBe(0);
  });
});
