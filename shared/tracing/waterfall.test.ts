import { describe, expect, it } from "vitest";
import type { SourcedSpan, SpanData } from "../contracts/trace";
import { waterfall } from "./waterfall";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";

function span(spanId: string, parentSpanId: string | undefined, startMs: number, endMs?: number): SourcedSpan {
  const data: SpanData = {
    traceId: T,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: `span ${spanId}`,
    kind: "internal",
    startMs,
    ...(endMs !== undefined ? { endMs } : {}),
    status: "ok",
    attributes: {},
  };
  return { ...data, source: { kind: "session" } };
}

describe("waterfall", () => {
  it("lays spans out depth first, children in start order, with offsets and depths", () => {
    const spans = [
      span("c2", "root", 1030, 1040),
      span("root", "router", 1000, 1100),
      span("c1", "root", 1010, 1020),
      span("g1", "c2", 1031, 1035),
    ];
    const tree = waterfall("root", spans);
    expect(tree?.map((s) => [s.spanId, s.depth, s.offsetMs, s.durationMs])).toEqual([
      ["root", 0, 0, 100],
      ["c1", 1, 10, 10],
      ["c2", 1, 30, 10],
      ["g1", 2, 31, 4],
    ]);
    // the turn's own parent (the router's span) is outside the tree and stays a reference
    expect(tree?.[0]?.parentSpanId).toBe("router");
  });

  it("hangs spans whose parent is missing under the root, and shows open spans without an end", () => {
    const tree = waterfall("root", [span("root", undefined, 0), span("orphan", "gone", 5, 6)]);
    expect(tree?.map((s) => [s.spanId, s.depth])).toEqual([
      ["root", 0],
      ["orphan", 1],
    ]);
    expect(tree?.[0]?.endedAt).toBeUndefined();
    expect(tree?.[0]?.durationMs).toBeUndefined();
  });

  it("has no tree without its root, and survives a cycle", () => {
    expect(waterfall("root", [span("a", undefined, 0)])).toBeNull();
    const tree = waterfall("root", [span("root", "b", 0, 1), span("a", "b", 1, 2), span("b", "a", 2, 3)]);
    expect(tree?.map((s) => s.spanId)).toEqual(["root", "a", "b"]);
  });
});
