import { describe, expect, it } from "vitest";
import { decideRetention } from "./retention";

const LIMITS = { maxSpans: 1000, maxAgeMs: 60_000 };
const NOW = 1_000_000;

describe("span retention", () => {
  it.each([
    ["an empty table", { spans: 0, oldestGroupMs: null }, { prune: false }],
    ["a table within both limits", { spans: 1000, oldestGroupMs: NOW - 60_000 }, { prune: false }],
    [
      "a turn just past the age limit",
      { spans: 10, oldestGroupMs: NOW - 60_001 },
      { prune: true, beforeMs: NOW - 60_000 },
    ],
    ["one span over the count", { spans: 1001, oldestGroupMs: NOW }, { prune: true, keepSpans: 900 }],
    ["both at once", { spans: 5000, oldestGroupMs: 0 }, { prune: true, beforeMs: NOW - 60_000, keepSpans: 900 }],
  ])("decides for %s", (_name, state, expected) => {
    expect(decideRetention(state, LIMITS, NOW)).toEqual(expected);
  });
});
