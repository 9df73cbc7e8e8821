import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type OtlpAnyValue, type OtlpAttributes, otlpExportSchema } from "../../shared/contracts/otlp.ts";

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

function decodeValue(value: OtlpAnyValue): unknown {
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("boolValue" in value) return value.boolValue;
  return value.arrayValue.values.map(decodeValue);
}

function attributesOf(list: OtlpAttributes): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, decodeValue(value)]));
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
      const decoded = otlpExportSchema.safeParse(JSON.parse(body));
      if (!decoded.success) {
        response.writeHead(400).end();
        // thrown where vitest sees it as an unhandled error, which fails the run
        throw new Error(`an OTLP export breaks the contract: ${decoded.error}\n${body.slice(0, 500)}`);
      }
      for (const resourceSpans of decoded.data.resourceSpans) {
        const resource = attributesOf(resourceSpans.resource.attributes);
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            receiver.spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startNanos: BigInt(span.startTimeUnixNano),
              endNanos: BigInt(span.endTimeUnixNano),
              status: span.status,
              attributes: attributesOf(span.attributes),
              events: span.events.map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
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
