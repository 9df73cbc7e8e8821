import { describe, expect, it } from "vitest";
import { otlpExportSchema } from "../contracts/otlp";
import type { SpanData } from "../contracts/trace";
import { encodeSpans, nanos, parseOtlpHeaders } from "./otlp";

const SPAN: SpanData = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  parentSpanId: "1111111111111111",
  name: "chat builtin:echo",
  kind: "client",
  startMs: 1_700_000_000_000.5,
  endMs: 1_700_000_000_012,
  status: "error",
  statusMessage: "overloaded",
  attributes: {
    "gen_ai.request.model": "builtin:echo",
    "gen_ai.usage.input_tokens": 12,
    "edgent.cost_usd": 0.25,
    "edgent.streaming": false,
    "gen_ai.response.finish_reasons": ["stop"],
  },
  events: [{ name: "fallback", timeMs: 1_700_000_000_003, attributes: { from: "a", to: "b" } }],
};

describe("OTLP/JSON encoding", () => {
  it("writes a body the OTLP export contract accepts, root spans and spans without events included", () => {
    const root: SpanData = { ...SPAN, parentSpanId: undefined, events: undefined, endMs: undefined, status: "ok" };
    const parsed = otlpExportSchema.safeParse(JSON.parse(encodeSpans([SPAN, root], { "service.name": "edgent" })));
    expect(parsed.error).toBeUndefined();
    expect(parsed.data?.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.parentSpanId)).toEqual([
      SPAN.parentSpanId,
      undefined,
    ]);
  });

  it("encodes a span as ExportTraceServiceRequest JSON", () => {
    const body = JSON.parse(encodeSpans([SPAN], { "service.name": "edgent" }));
    const resourceSpans = body.resourceSpans[0];
    expect(resourceSpans.resource.attributes).toEqual([{ key: "service.name", value: { stringValue: "edgent" } }]);
    expect(resourceSpans.scopeSpans[0].scope.name).toBe("edgent");
    const span = resourceSpans.scopeSpans[0].spans[0];
    expect(span).toMatchObject({
      traceId: SPAN.traceId,
      spanId: SPAN.spanId,
      parentSpanId: SPAN.parentSpanId,
      name: "chat builtin:echo",
      kind: 3,
      startTimeUnixNano: "1700000000000500000",
      endTimeUnixNano: "1700000000012000000",
      status: { code: 2, message: "overloaded" },
    });
    expect(span.attributes).toEqual([
      { key: "gen_ai.request.model", value: { stringValue: "builtin:echo" } },
      { key: "gen_ai.usage.input_tokens", value: { intValue: "12" } },
      { key: "edgent.cost_usd", value: { doubleValue: 0.25 } },
      { key: "edgent.streaming", value: { boolValue: false } },
      { key: "gen_ai.response.finish_reasons", value: { arrayValue: { values: [{ stringValue: "stop" }] } } },
    ]);
    expect(span.events).toEqual([
      {
        timeUnixNano: "1700000000003000000",
        name: "fallback",
        attributes: [
          { key: "from", value: { stringValue: "a" } },
          { key: "to", value: { stringValue: "b" } },
        ],
      },
    ]);
  });

  it("leaves out a root span's parent and ends an open span at its start", () => {
    const { parentSpanId: _p, endMs: _e, ...root } = SPAN;
    const span = JSON.parse(encodeSpans([root], {})).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.parentSpanId).toBeUndefined();
    expect(span.endTimeUnixNano).toBe(span.startTimeUnixNano);
  });

  it("writes epoch milliseconds as exact nanosecond strings", () => {
    expect(nanos(0)).toBe("0");
    expect(nanos(1)).toBe("1000000");
    expect(nanos(1_700_000_000_123.456)).toBe("1700000000123456000");
  });
});

describe("OTEL_EXPORTER_OTLP_HEADERS", () => {
  it("reads key=value pairs with percent-encoded values", () => {
    expect(parseOtlpHeaders("")).toEqual({});
    expect(parseOtlpHeaders("Authorization=Bearer%20abc, x-team = core ")).toEqual({
      authorization: "Bearer abc",
      "x-team": "core",
    });
    expect(parseOtlpHeaders("api-key=a=b")).toEqual({ "api-key": "a=b" });
  });

  it.each(["novalue", "=x", "bad key=1", "k=%E0%A4%A"])("refuses %j", (raw) => {
    expect(parseOtlpHeaders(raw)).toBeNull();
  });
});
