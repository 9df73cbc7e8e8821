import { describe, expect, it } from "vitest";
import { readConfidence } from "./model-loop";

describe("readConfidence", () => {
  it.each([
    ["The capital is Canberra.\n[confidence: 0.92]", "The capital is Canberra.", 0.92],
    ["Paris [Confidence: 1]", "Paris", 1],
    ["no tag here", "no tag here", undefined],
    [
      "[confidence: 0.3] at the start is not a trailing tag",
      "[confidence: 0.3] at the start is not a trailing tag",
      undefined,
    ],
  ])("reads %j", (text, rest, confidence) => {
    expect(readConfidence(text)).toEqual(confidence === undefined ? { text: rest } : { text: rest, confidence });
  });
});
