import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { metricsResponseSchema } from "../../shared/contracts/metrics";
import { turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { Client } from "../support/client.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";
const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

async function withReceiver(mode: "ok" | "fail" | "hang", vars: Record<string, string> = {}) {
  const receiver = await startOtlpReceiver(mode);
  const runtime = await startRuntime({
    vars: {
      EDGENT_DEV_MODE: "true",
      EDGENT_RETRY_BASE_MS: "5",
      EDGENT_TASK_RETRY_BASE_SECONDS: "0",
      EDGENT_USAGE_REPORT_SECONDS: "1",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...vars,
    },
  });
  return { receiver, runtime, api: new Client(runtime.url) };
}

function parentOf(spans: ReceivedSpan[], span: ReceivedSpan | undefined): ReceivedSpan | undefined {
  return spans.find((candidate) => candidate.spanId === span?.parentSpanId);
}

describe("OTLP export to a collector", () => {
  let receiver: OtlpReceiver;
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    ({ receiver, runtime, api } = await withReceiver("ok", {
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-key,x-team=edge",
    }));
  });
  afterAll(async () => {
    await runtime?.dispose();
    await receiver?.close();
  });

  it("delivers a delegating, escalating turn as one trace linked across router, session, gateway, queue and sub-agents", async () => {
    const sessionId = await api.session("triage");
    const reply = await api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "/delegate billing /escalate needs an expert\n/delegate knowledge /fail-task 1 second-try" },
      { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` },
    );
    expect(reply.status).toBe(200);
    const turnId = reply.parse(turnResponseSchema).turnId;
    const ofTrace = () => receiver.spans.filter((span) => span.traceId === TRACE);
    // the coordinator's own span is exported when its turn ends, the router's after the response
    const spans = await waitUntil(
      async () => ofTrace(),
      (found) =>
        found.some((s) => s.name === "invoke_agent triage") &&
        found.some((s) => s.name === "POST /v1/sessions/:id/messages") &&
        found.filter((s) => s.name === "edgent.task billing" || s.name === "edgent.task knowledge").length === 2,
      { what: "the collector to receive the whole trace", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);

    const router = spans.find((s) => s.name === "POST /v1/sessions/:id/messages");
    expect(router).toMatchObject({ kind: SPAN_KIND.server, parentSpanId: CLIENT_SPAN });
    expect(router?.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/v1/sessions/:id/messages",
      "http.response.status_code": 200,
      "edgent.turn.id": turnId,
    });
    const triage = spans.find((s) => s.name === "invoke_agent triage");
    expect(triage?.parentSpanId).toBe(router?.spanId);
    // every span but the router's hangs under another span of the same trace
    for (const span of spans) {
      if (span === router) continue;
      expect(parentOf(spans, span), `parent of ${span.name}`).toBeDefined();
    }

    // from the gateway's span up to the caller: gateway → chat → escalation → sub-agent turn →
    // delivery → task → delegate call → coordinator's turn → router
    const gateway = spans.find(
      (s) =>
        s.name === "edgent.gateway builtin:central" &&
        parentOf(spans, parentOf(spans, s))?.name === "edgent.escalation tool",
    );
    const chain: string[] = [];
    for (let span: ReceivedSpan | undefined = gateway; span; span = parentOf(spans, span)) chain.push(span.name);
    expect(chain).toEqual([
      "edgent.gateway builtin:central",
      "chat builtin:central",
      "edgent.escalation tool",
      "invoke_agent billing",
      "process edgent-tasks billing",
      "edgent.task billing",
      "execute_tool delegate",
      "invoke_agent triage",
      "POST /v1/sessions/:id/messages",
    ]);
    expect(gateway?.kind).toBe(SPAN_KIND.server);
    expect(parentOf(spans, gateway)?.kind).toBe(SPAN_KIND.client);

    // the retried task: two deliveries under its span, each with its own sub-agent turn
    const knowledgeTask = spans.find((s) => s.name === "edgent.task knowledge");
    expect(knowledgeTask?.kind).toBe(SPAN_KIND.producer);
    const deliveries = spans
      .filter((s) => s.parentSpanId === knowledgeTask?.spanId)
      .sort((a, b) => Number(a.attributes["edgent.attempt"]) - Number(b.attributes["edgent.attempt"]));
    expect(deliveries.map((d) => [d.kind, d.attributes["edgent.attempt"], d.status.code])).toEqual([
      [SPAN_KIND.consumer, 1, 2],
      [SPAN_KIND.consumer, 2, 1],
    ]);
    for (const delivery of deliveries) {
      expect(spans.filter((s) => s.parentSpanId === delivery.spanId).map((s) => s.name)).toEqual([
        "invoke_agent knowledge",
      ]);
    }

    // the same tree the trace API shows
    const api_ = (await api.get(`/v1/sessions/${sessionId}/turns/${turnId}/trace`)).parse(turnTraceSchema);
    const exported = new Set(spans.map((s) => s.spanId));
    for (const span of api_.spans) expect(exported.has(span.spanId)).toBe(true);

    expect(spans[0]?.resource).toMatchObject({ "service.name": "edgent", "telemetry.sdk.name": "edgent" });
    expect(receiver.headers[0]).toMatchObject({ authorization: "Bearer collector-key", "x-team": "edge" });
    // no content and no credentials in what leaves
    const text = JSON.stringify(spans, (_key, value) => (typeof value === "bigint" ? String(value) : value));
    for (const secret of ["collector-key", "dev-token", "second-try"]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/gen_ai\.tool\.call\.(arguments|result)|gen_ai\.(input|output)\.messages/);
  });
});

describe("a collector that is down or slow", () => {
  for (const [mode, vars, reason] of [
    ["fail", {}, "the collector answered 503"],
    ["hang", { EDGENT_TRACE_EXPORT_TIMEOUT_MS: "200" }, "timed out"],
  ] as const) {
    describe(`one that ${mode === "fail" ? "refuses" : "never answers"}`, () => {
      let receiver: OtlpReceiver;
      let runtime: Runtime;
      let api: Client;
      beforeAll(async () => {
        ({ receiver, runtime, api } = await withReceiver(mode, vars));
      });
      afterAll(async () => {
        await runtime?.dispose();
        await receiver?.close();
      });

      it("never fails a turn: its spans are dropped, counted and logged, not retried", async () => {
        const sessionId = await api.session();
        for (let i = 0; i < 3; i++)
          expect((await api.say(sessionId, `turn ${i}`)).reply.content).toContain(`turn ${i}`);
        const line = await waitUntil(
          async () => runtime.logs.find((l) => l.includes("trace spans dropped")),
          (found) => found !== undefined,
          { what: "the notice that trace spans were dropped", timeoutMs: 15_000, intervalMs: 50 },
        );
        expect(line).toContain(reason);
        expect(JSON.parse(line as string)).toMatchObject({ event: "notice", level: "warn" });
        expect(JSON.parse(line as string).droppedSpans).toBeGreaterThan(0);
        const metrics = await waitUntil(
          async () => (await api.get("/v1/metrics")).parse(metricsResponseSchema),
          (body) => body.traceExport.droppedSpans > 0,
          { what: "the metrics to count dropped spans", timeoutMs: 15_000, intervalMs: 50 },
        );
        expect(metrics.traceExport.droppedSpans).toBeGreaterThan(0);
        // the turns' traces are kept all the same
        const page = (await api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema);
        const trace = await api.get(`/v1/sessions/${sessionId}/turns/${page.turns[0]?.turnId}/trace`);
        expect(trace.status).toBe(200);
        // the exporter did try, and nothing reached the collector
        expect(receiver.requests).toBeGreaterThan(0);
        expect(receiver.spans).toEqual([]);
      });
    });
  }
});
