import { describe, expect, it } from "vitest";
import { type Delivery, type DeliveryInput, decideDelivery, type OriginStatus } from "./delivery";

const at = (status: OriginStatus, attempt: number) => ({ status, attempt });
const base = { running: false, now: 1_000, deadline: 2_000 };

describe("decideDelivery", () => {
  it.each<[string, Omit<DeliveryInput, "now" | "deadline">, Delivery["action"]]>([
    ["a first delivery", { origin: null, attempt: 1, running: false }, "run"],
    ["a copy of a completed task", { origin: at("completed", 1), attempt: 1, running: false }, "report_again"],
    ["a later attempt of a completed task", { origin: at("completed", 1), attempt: 2, running: false }, "report_again"],
    ["a copy of a dead-lettered task", { origin: at("dead_lettered", 3), attempt: 3, running: false }, "duplicate"],
    ["a copy of a timed-out task", { origin: at("timed_out", 1), attempt: 2, running: false }, "duplicate"],
    ["a copy of a discarded task", { origin: at("discarded", 1), attempt: 1, running: false }, "duplicate"],
    [
      "a copy of a task that waits for its own sub-agents",
      { origin: at("waiting", 1), attempt: 2, running: false },
      "duplicate",
    ],
    ["an older attempt", { origin: at("failed", 2), attempt: 1, running: false }, "duplicate"],
    ["a copy of the attempt running now", { origin: at("running", 1), attempt: 1, running: true }, "duplicate"],
    ["a retry while the attempt still runs", { origin: at("running", 1), attempt: 2, running: true }, "join"],
    ["a copy of the attempt that failed", { origin: at("failed", 1), attempt: 1, running: false }, "failed"],
    ["the retry of a failed attempt", { origin: at("failed", 1), attempt: 2, running: false }, "run"],
    ["an attempt that died with its object", { origin: at("running", 1), attempt: 1, running: false }, "run"],
    [
      "a retry of an attempt that died with its object",
      { origin: at("running", 1), attempt: 2, running: false },
      "run",
    ],
  ])("%s: %s", (_name, input, action) => {
    expect(decideDelivery({ ...base, ...input })).toEqual({ action });
  });

  it("expires a task whose deadline passed before it could start", () => {
    expect(decideDelivery({ origin: null, attempt: 1, running: false, now: 3_000, deadline: 2_000 })).toEqual({
      action: "expire",
    });
    expect(
      decideDelivery({ origin: at("failed", 1), attempt: 2, running: false, now: 3_000, deadline: 2_000 }),
    ).toEqual({
      action: "expire",
    });
  });

  it("does not expire what is already over or running", () => {
    const late = { now: 3_000, deadline: 2_000 };
    expect(decideDelivery({ origin: at("completed", 1), attempt: 1, running: false, ...late })).toEqual({
      action: "report_again",
    });
    expect(decideDelivery({ origin: at("running", 1), attempt: 1, running: true, ...late })).toEqual({
      action: "duplicate",
    });
  });
});
