import type { OtlpAnyValue } from "../contracts/otlp";
import type { AttributeValue, Attributes, SpanData, SpanKind } from "../contracts/trace";

const KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

/** The scope every Edgent span is reported under. */
export const INSTRUMENTATION_SCOPE = { name: "edgent", version: "0.1.0" };

/**
 * An OTLP/HTTP JSON body (ExportTraceServiceRequest, `otlpExportSchema`) for spans of one resource. Ids are hex,
 * times are nanosecond strings, enums are numbers, as the OTLP/JSON encoding asks.
 */
export function encodeSpans(spans: readonly SpanData[], resource: Attributes): string {
  // written as text: building the OTLP object tree first and stringifying it cost more CPU
  const head = `{"resourceSpans":[{"resource":{"attributes":${attributesJson(resource)}},"scopeSpans":[{"scope":${JSON.stringify(INSTRUMENTATION_SCOPE)},"spans":[`;
  return `${head}${spans.map(spanJson).join(",")}]}]}]}`;
}

function spanJson(span: SpanData): string {
  const parent = span.parentSpanId ? `"parentSpanId":"${span.parentSpanId}",` : "";
  const events = (span.events ?? [])
    .map(
      (event) =>
        `{"timeUnixNano":"${nanos(event.timeMs)}","name":${JSON.stringify(event.name)},"attributes":${attributesJson(event.attributes ?? {})}}`,
    )
    .join(",");
  const message = span.statusMessage ? `,"message":${JSON.stringify(span.statusMessage)}` : "";
  return `{"traceId":"${span.traceId}","spanId":"${span.spanId}",${parent}"name":${JSON.stringify(span.name)},"kind":${KIND[span.kind]},"startTimeUnixNano":"${nanos(span.startMs)}","endTimeUnixNano":"${nanos(span.endMs ?? span.startMs)}","attributes":${attributesJson(span.attributes)},"events":[${events}],"status":{"code":${STATUS[span.status]}${message}}}`;
}

function attributesJson(attributes: Attributes): string {
  let out = "";
  for (const key in attributes) {
    const value = attributes[key] as AttributeValue;
    out += `${out ? "," : ""}{"key":${JSON.stringify(key)},"value":${JSON.stringify(encodeValue(value))}}`;
  }
  return `[${out}]`;
}

/** A value as OTLP/JSON writes it: whole numbers as int64 strings, others as doubles. */
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
