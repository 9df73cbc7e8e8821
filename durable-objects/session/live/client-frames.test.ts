import { describe, expect, it } from "vitest";
import { frameOverLimit } from "./client-frames";

describe("frameOverLimit", () => {
  const limit = 12;
  it.each([
    ["ASCII at the limit", "a".repeat(12), false],
    ["ASCII over it", "a".repeat(13), true],
    ["2-byte characters at the limit", "é".repeat(6), false],
    ["2-byte characters over it", "é".repeat(7), true],
    ["3-byte characters at the limit", "€".repeat(4), false],
    ["3-byte characters over it", "€".repeat(5), true],
    ["emoji (2 units, 4 bytes) at the limit", "😀".repeat(3), false],
    ["emoji over it, in fewer units than the limit", "😀".repeat(4), true],
    ["lone surrogates, sent as 3 bytes each", "\ud800".repeat(5), true],
  ])("%s", (_, text, over) => {
    expect(frameOverLimit(text, limit)).toBe(over);
    expect(new TextEncoder().encode(text).byteLength > limit).toBe(over);
  });

  it("counts binary frames by their bytes", () => {
    expect(frameOverLimit(new Uint8Array(12), limit)).toBe(false);
    expect(frameOverLimit(new Uint8Array(13).buffer, limit)).toBe(true);
  });

  it("measures a 1 MiB limit in bytes, not characters", () => {
    expect(frameOverLimit("😀".repeat(300_000))).toBe(true);
    expect(frameOverLimit("a".repeat(1024 * 1024))).toBe(false);
  });
});
