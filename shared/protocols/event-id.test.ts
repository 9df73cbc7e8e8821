import { describe, expect, it } from "vitest";
import { eventId, rejoinPoint } from "./event-id";

describe("rejoinPoint", () => {
  it.each([
    [undefined, { ok: true, after: 0 }],
    ["", { ok: true, after: 0 }],
    ["  ", { ok: true, after: 0 }],
    ["t-1:0", { ok: true, after: 0 }],
    ["t-1:42", { ok: true, after: 42 }],
    [eventId("t-1", 1_732_000_000_123), { ok: true, after: 1_732_000_000_123 }],
  ])("reads %j as a point in turn t-1's stream", (header, expected) => {
    expect(rejoinPoint(header, "t-1")).toEqual(expected);
  });

  it.each([
    ["42", "must be an event id"],
    ["t-1:", "must be an event id"],
    ["t-1:-3", "must be an event id"],
    ["t-1:4.5", "must be an event id"],
    ["t-1:1234567890123456", "must be an event id"],
    ["t-2:5", "names turn 't-2', not 't-1'"],
    [":5", "names turn '', not 't-1'"],
  ])("refuses %j, saying why", (header, why) => {
    const point = rejoinPoint(header, "t-1");
    expect(point.ok).toBe(false);
    if (!point.ok) expect(point.message).toContain(why);
  });

  it("reads back every id it makes, turn ids with colons included", () => {
    for (const turnId of ["t", "a:b", "3f0c-uuid"]) {
      expect(rejoinPoint(eventId(turnId, 7), turnId)).toEqual({ ok: true, after: 7 });
    }
  });
});
