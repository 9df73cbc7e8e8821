import { describe, expect, it } from "vitest";
import { delegationSettings, retryDelaySeconds } from "./settings";

describe("delegation settings", () => {
  it("doubles the retry delay with each failed attempt, up to the Queues limit of 12 h", () => {
    expect([1, 2, 3, 4].map((failed) => retryDelaySeconds(failed, 2))).toEqual([2, 4, 8, 16]);
    expect(retryDelaySeconds(30, 2)).toBe(43_200);
    expect(retryDelaySeconds(3, 0)).toBe(0);
  });

  it("falls back to defaults for missing or out-of-range values", () => {
    expect(delegationSettings({})).toEqual({
      maxDepth: 3,
      maxFanout: 64,
      taskTimeoutMs: 120_000,
      retryBaseSeconds: 2,
      transport: "queue",
      turnWaitMs: 25_000,
    });
    expect(
      delegationSettings({ EDGENT_DELEGATION_MAX_DEPTH: "99", EDGENT_DELEGATION_TRANSPORT: "direct" }),
    ).toMatchObject({ maxDepth: 3, transport: "direct" });
  });
});
