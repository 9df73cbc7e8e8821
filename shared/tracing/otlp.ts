import type { AttributeValue, Attributes, SpanData, SpanKind } from "../contracts/trace";

/** An attribute as OTLP/JSON writes it. */
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

type OtlpAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpAnyValue[] } };

const KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

/** The scope every Edgent span is reported under. */
export const INSTRUMENTATION_SCOPE = { name: "edgent", version: "0.1.0" };

/**
 * An OTLP/HTTP JSON body (ExportTraceServiceRequest) for spans of one resource. Ids are hex,
 * times are nanosecond strings, enums are numbers, as the OTLP/JSON encoding asks.
 */
export function encodeSpans(spans: readonly SpanData[], resource: Attributes): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: encodeAttributes(resource) },
        scopeSpans: [{ scope: INSTRUMENTATION_SCOPE, spans: spans.map(encodeSpan) }],
      },
    ],
  });
}

function encodeSpan(span: SpanData) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: KIND[span.kind],
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs ?? span.startMs),
    attributes: encodeAttributes(span.attributes),
    events: (span.events ?? []).map((event) => ({
      timeUnixNano: nanos(event.timeMs),
      name: event.name,
      attributes: encodeAttributes(event.attributes ?? {}),
    })),
    status: {
      code: STATUS[span.status],
      ...(span.statusMessage ? { message: span.statusMessage } : {}),
    },
  };
}

/** Attributes as OTLP key-values: whole numbers as int64 strings, others as doubles. */
export function encodeAttributes(attributes: Attributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: encodeValue(value) }));
}

function encodeValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { arrayValue: { values: (value as Array<string | number>).map((item) => encodeValue(item)) } };
}

/** Epoch milliseconds (fractions kept to the microsecond) as a nanosecond string, without float rounding. */
export function nanos(ms: number): string {
  const micros = Math.round(ms * 1000);
  return micros === 0 ? "0" : `${micros}000`;
}

/**
 * Parses OTEL_EXPORTER_OTLP_HEADERS (`key1=value1,key2=value2`, values percent-encoded, as
 * the OpenTelemetry spec gives it); null if a pair is malformed.
 */
export function parseOtlpHeaders(raw: string): Record<string, string> | null {
  const headers: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    if (at <= 0) return null;
    const key = pair.slice(0, at).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return null;
    try {
      headers[key.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return headers;
}
