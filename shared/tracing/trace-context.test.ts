import { describe, expect, it } from "vitest";
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, spanIdOf, turnSpanId } from "./trace-context";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("reads a valid header, sampled or not", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
    // flags other than sampled are kept out of the decision
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
    // a later version may carry more fields
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["garbage", "hello"],
    ["upper case", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["extra fields on version 00", `00-${TRACE}-${SPAN}-01-extra`],
    ["a huge header", `00-${TRACE}-${SPAN}-01${" ".repeat(600)}`],
  ])("ignores a malformed header: %s", (_name, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it("writes what it reads", () => {
    const header = formatTraceparent({ traceId: TRACE, spanId: SPAN });
    expect(header).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(parseTraceparent(header)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: false })).toBe(`00-${TRACE}-${SPAN}-00`);
  });
});

describe("trace and span ids", () => {
  it("makes random ids of the right shape", () => {
    const traces = new Set(Array.from({ length: 100 }, newTraceId));
    expect(traces.size).toBe(100);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });

  it("derives the same span id from a turn id anywhere, and different ones for different turns", () => {
    const turnId = "9b2c7e4a-1f0d-4c3b-8a5e-6d7f8091a2b3";
    expect(turnSpanId(turnId)).toBe("8a5e6d7f8091a2b3");
    expect(turnSpanId(turnId)).toBe(turnSpanId(turnId));
    expect(turnSpanId(crypto.randomUUID())).not.toBe(turnSpanId(crypto.randomUUID()));
    // an id that is not a UUID still gets a stable, valid span id
    expect(spanIdOf("not-a-uuid")).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdOf("not-a-uuid")).toBe(spanIdOf("not-a-uuid"));
  });
});
