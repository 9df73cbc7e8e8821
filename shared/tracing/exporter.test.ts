import { createServer, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SpanData } from "../contracts/trace";
import { SpanExporter } from "./exporter";

function span(i: number): SpanData {
  return {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: (i + 1).toString(16).padStart(16, "0"),
    name: `span ${i}`,
    kind: "internal",
    startMs: 1_700_000_000_000 + i,
    endMs: 1_700_000_000_001 + i,
    status: "ok",
    attributes: {},
  };
}

/** A loopback collector: records each request's span count, answers as told. */
let mode: "ok" | "fail" | "hang" = "ok";
const batches: number[] = [];
const held: ServerResponse[] = [];
let server: Server;
let url = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (mode === "hang") return void held.push(response);
      if (mode === "fail") return void response.writeHead(500).end();
      batches.push(JSON.parse(body).resourceSpans[0].scopeSpans[0].spans.length);
      response.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1/traces`;
});
afterAll(async () => {
  for (const response of held) response.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  mode = "ok";
  batches.length = 0;
});

function exporter(options: { maxQueue?: number; maxBatch?: number; timeoutMs?: number } = {}) {
  return new SpanExporter({ url, headers: {}, timeoutMs: options.timeoutMs ?? 2_000, resource: {}, ...options });
}

describe("span exporter", () => {
  it("sends queued spans in batches, one request at a time, and shares a flush between callers", async () => {
    const subject = exporter({ maxBatch: 2 });
    subject.add([span(0), span(1), span(2)], "acme");
    const first = subject.flush();
    subject.add([span(3), span(4)], "acme");
    expect(subject.flush()).toBe(first);
    await first;
    expect(batches).toEqual([2, 2, 1]);
    expect(subject.counts).toEqual({ exported: 5, dropped: 0 });
    expect(subject.take("acme")).toBe(0);
  });

  it("drops and counts a batch the collector refuses, per tenant, without retrying it", async () => {
    mode = "fail";
    const subject = exporter();
    subject.add([span(0), span(1)], "acme");
    subject.add([span(2)], "globex");
    await subject.flush();
    expect(subject.counts).toEqual({ exported: 0, dropped: 3 });
    expect([subject.take("acme"), subject.take("globex"), subject.take("acme")]).toEqual([2, 1, 0]);
    mode = "ok";
    await subject.flush();
    expect(batches).toEqual([]);
  });

  it("gives up on a collector that does not answer in time", async () => {
    mode = "hang";
    const subject = exporter({ timeoutMs: 100 });
    subject.add([span(0)], "acme");
    await subject.flush();
    expect(subject.counts.dropped).toBe(1);
    expect(subject.take("acme")).toBe(1);
  });

  it("drops what does not fit in its queue, and puts back counts that could not be reported", async () => {
    const subject = exporter({ maxQueue: 2 });
    subject.add([span(0), span(1), span(2)], "acme");
    expect(subject.counts.dropped).toBe(1);
    const taken = subject.take("acme");
    subject.restore("acme", taken);
    expect(subject.take("acme")).toBe(1);
    await subject.flush();
    expect(batches).toEqual([2]);
  });
});
