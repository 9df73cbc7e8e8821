import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** A span as the receiver decoded it from OTLP/JSON, attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startNanos: bigint;
  endNanos: bigint;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  resource: Record<string, unknown>;
}

/** How the receiver answers: like a collector, like a broken one, or never. */
export type ReceiverMode = "ok" | "fail" | "hang";

/** A loopback OTLP/HTTP (JSON) trace receiver, standing in for an OpenTelemetry collector. */
export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** the headers of every export request */
  headers: Array<Record<string, string | string[] | undefined>>;
  requests: number;
  mode: ReceiverMode;
  close(): Promise<void>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
};
type OtlpAttributes = Array<{ key: string; value: OtlpValue }>;

function decodeValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return value.arrayValue.values.map(decodeValue);
  return undefined;
}

function attributesOf(list: OtlpAttributes | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, decodeValue(value)]));
}

/** Starts a receiver on 127.0.0.1 at POST /v1/traces. */
export async function startOtlpReceiver(mode: ReceiverMode = "ok"): Promise<OtlpReceiver> {
  const held: ServerResponse[] = [];
  const receiver = {
    url: "",
    spans: [] as ReceivedSpan[],
    headers: [] as OtlpReceiver["headers"],
    requests: 0,
    mode,
    close: async () => undefined,
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      receiver.requests++;
      if (request.url !== "/v1/traces" || request.method !== "POST") {
        response.writeHead(404).end();
        return;
      }
      if (receiver.mode === "hang") {
        held.push(response);
        return;
      }
      if (receiver.mode === "fail") {
        response.writeHead(503).end("{}");
        return;
      }
      receiver.headers.push(request.headers);
      const decoded = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: OtlpAttributes };
          scopeSpans: Array<{ spans: Array<Record<string, unknown>> }>;
        }>;
      };
      for (const resourceSpans of decoded.resourceSpans) {
        const resource = attributesOf(resourceSpans.resource.attributes);
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            receiver.spans.push({
              traceId: String(span.traceId),
              spanId: String(span.spanId),
              ...(span.parentSpanId ? { parentSpanId: String(span.parentSpanId) } : {}),
              name: String(span.name),
              kind: Number(span.kind),
              startNanos: BigInt(String(span.startTimeUnixNano)),
              endNanos: BigInt(String(span.endTimeUnixNano)),
              status: span.status as ReceivedSpan["status"],
              attributes: attributesOf(span.attributes as OtlpAttributes),
              events: ((span.events ?? []) as Array<{ name: string; attributes?: OtlpAttributes }>).map((event) => ({
                name: event.name,
                attributes: attributesOf(event.attributes),
              })),
              resource,
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  receiver.url = `http://127.0.0.1:${port}`;
  receiver.close = async () => {
    for (const response of held) response.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
