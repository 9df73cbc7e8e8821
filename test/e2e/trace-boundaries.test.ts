import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import { startRuntime } from "../support/runtime.ts";
import { objectDatabases } from "../support/storage.ts";
import { waitUntil } from "../support/wait-until.ts";

const EMAIL = "billing@northwind.example";

describe("trace context on every route, and 4xx for bad trace and metrics queries", () => {
  const fx = useRuntime();
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const GIVEN = `00-${TRACE}-00f067aa0ba902b7-01`;

  it("answers X-Trace-Id and traceresponse on errors, OpenAI-compatible, chat and MCP routes", async () => {
    const sessionId = await fx.api.session();
    const anonymous = fx.api.withToken(null);
    const replies = [
      await anonymous.request("GET", `/v1/sessions/${sessionId}/turns`, undefined, { traceparent: GIVEN }),
      await fx.api.request("GET", "/v1/nowhere", undefined, { traceparent: GIVEN }),
      await fx.api.request("DELETE", "/v1/metrics", undefined, { traceparent: GIVEN }),
      await fx.api.request("POST", `/v1/sessions/${sessionId}/messages`, "{not json", { traceparent: GIVEN }),
      await fx.api.request("POST", "/v1/chat/completions", { model: "assistant" }, { traceparent: GIVEN }),
      await anonymous.request("POST", "/v1/chat/completions", { model: "assistant" }, { traceparent: GIVEN }),
      await fx.api.request(
        "POST",
        "/v1/chat/completions",
        { model: "assistant", messages: [{ role: "user", content: "hi" }] },
        { traceparent: GIVEN },
      ),
      await fx.api.request("POST", `/v1/sessions/${sessionId}/chat`, { messages: [] }, { traceparent: GIVEN }),
      await anonymous.request(
        "POST",
        "/v1/mcp",
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { traceparent: GIVEN },
      ),
      await fx.api.request("GET", "/health", undefined, { traceparent: GIVEN }),
    ];
    for (const reply of replies) {
      expect([reply.status, reply.headers.get("x-trace-id")], reply.text).toEqual([reply.status, TRACE]);
      expect(reply.headers.get("traceresponse")).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    }
  });

  it("answers X-Trace-Id on a WebSocket upgrade the session's object refuses", async () => {
    const GIVEN_WS = `00-${TRACE}-00f067aa0ba902b7-01`;
    const headers = {
      authorization: "Bearer dev-token",
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      traceparent: GIVEN_WS,
    };
    const refused = await new Promise<{ status: number; traceId: string | undefined }>((resolve, reject) => {
      const request = httpRequest(new URL("/v1/sessions/absent-ws/ws", fx.runtime.url), { headers });
      request.on("response", (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, traceId: response.headers["x-trace-id"] as string | undefined });
      });
      request.on("upgrade", (response, socket) => {
        socket.destroy();
        resolve({ status: 101, traceId: response.headers["x-trace-id"] as string | undefined });
      });
      request.on("error", reject);
      request.end();
    });
    expect(refused).toEqual({ status: 404, traceId: TRACE });
  });

  it("ignores malformed traceparent headers", async () => {
    for (const bad of [
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE}-00f067aa0ba902b7`,
      `0-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-0g`,
    ]) {
      const reply = await fx.api.request("GET", "/health", undefined, { traceparent: bad });
      expect([bad, reply.headers.get("x-trace-id")]).not.toEqual([bad, TRACE]);
      expect(reply.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("keeps invalid tool arguments out of the tool span without guardrails too", async () => {
    const sessionId = await fx.api.session();
    const reply = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: `/tool calculator {"expression":["${EMAIL}"]}`,
    });
    expect(reply.status, reply.text).toBe(200);
    const turn = reply.parse(turnResponseSchema);
    const trace = (await fx.api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).parse(turnTraceSchema);
    const tool = trace.spans.find((span) => span.name === "execute_tool calculator");
    expect([tool?.status, tool?.statusMessage?.includes(EMAIL)]).toEqual(["error", false]);
  });

  it("records a call to a tool the agent is not offered with its error, without guardrails too", async () => {
    const sessionId = await fx.api.session();
    const turn = (await fx.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/ask which city?" })).parse(
      turnResponseSchema,
    );
    const trace = (await fx.api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).parse(turnTraceSchema);
    const tool = trace.spans.find((span) => span.name === "execute_tool ask_user");
    expect(tool?.status).toBe("error");
    expect(tool?.statusMessage).not.toMatch(/^unfinished/);
  });

  it("answers 4xx, never 5xx, for any bad query on the turn, trace and metrics routes", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "hello");
    const paths = [
      `/v1/sessions/${sessionId}/turns?limit=`,
      `/v1/sessions/${sessionId}/turns?limit=-1`,
      `/v1/sessions/${sessionId}/turns?limit=1.5`,
      `/v1/sessions/${sessionId}/turns?limit=1e400`,
      `/v1/sessions/${sessionId}/turns?limit=201`,
      `/v1/sessions/${sessionId}/turns?limit=NaN`,
      `/v1/sessions/${sessionId}/turns?limit=Infinity`,
      `/v1/sessions/${sessionId}/turns?before=`,
      `/v1/sessions/${sessionId}/turns?before=${turn.turnId.toUpperCase()}`,
      `/v1/sessions/${sessionId}/turns?before=%00`,
      `/v1/sessions/${sessionId}/turns/${turn.turnId}/trace?x=1`,
      `/v1/sessions/${sessionId}/turns/${turn.turnId.toUpperCase()}/trace`,
      `/v1/sessions/${sessionId}/turns/%E0%A4%A/trace`,
      "/v1/metrics?window=2h",
      "/v1/metrics?window=",
      "/v1/metrics?format=xml",
      "/v1/metrics?colour=blue",
      "/v1/metrics?window=1h&window=7d",
      "/v1/sessions/bad%20id/turns",
      `/v1/sessions/${"x".repeat(300)}/turns`,
    ];
    const statuses: [string, number][] = [];
    for (const path of paths) statuses.push([path, (await fx.api.get(path)).status]);
    expect(statuses.filter(([, status]) => status >= 500)).toEqual([]);
  });

  it("shows another tenant none of the caller's metrics", async () => {
    const sessionId = await fx.api.session();
    await fx.api.say(sessionId, "counted for dev");
    const other = fx.api.withToken("dev-token-2");
    const reply = await other.get("/v1/metrics?window=1h&format=prometheus");
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('tenant="dev"');
  });
});

describe("spans and erasure", () => {
  it("erases the sub-agents' spans with the session, and /turns, /trace of absent sessions leave no storage", async () => {
    const persistPath = mkdtempSync(join(tmpdir(), "edgent-review-"));
    const runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true" }, persistPath });
    const api = new Client(runtime.url);
    try {
      const sessionId = await api.session("triage");
      const turn = await api.say(sessionId, "/delegate billing invoice-ok\n/delegate knowledge article-ok");
      const trace = (await api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).parse(turnTraceSchema);
      expect(trace.spans.some((span) => span.source.kind === "sub_agent")).toBe(true);
      expect((await api.delete(`/v1/sessions/${sessionId}`)).status).toBe(204);
      const other = await api.session();
      const otherTurn = await api.say(other, "mine");
      const statuses = [
        (await api.get(`/v1/sessions/absent-a/turns`)).status,
        (await api.get(`/v1/sessions/absent-b/turns?before=${crypto.randomUUID()}`)).status,
        (await api.get(`/v1/sessions/absent-c/turns/${crypto.randomUUID()}/trace`)).status,
        (await api.withToken("dev-token-2").get(`/v1/sessions/${other}/turns`)).status,
        (await api.withToken("dev-token-2").get(`/v1/sessions/${other}/turns/${otherTurn.turnId}/trace`)).status,
      ];
      expect(statuses).toEqual([404, 404, 404, 404, 404]);
      expect((await api.delete(`/v1/sessions/${other}`)).status).toBe(204);
    } finally {
      await runtime.dispose();
    }
    const left = objectDatabases(persistPath).filter((db) => db.tables.length > 0);
    const spans = left.map((db) => {
      const sqlite = new DatabaseSync(db.file, { readOnly: true });
      try {
        const hasSpans = db.tables.includes("edgent_spans");
        const rows = hasSpans ? sqlite.prepare("SELECT COUNT(*) AS n FROM edgent_spans").get() : { n: 0 };
        return { file: db.file, tables: db.tables.length, spans: Number(rows?.n ?? 0) };
      } finally {
        sqlite.close();
      }
    });
    rmSync(persistPath, { recursive: true, force: true });
    expect(spans).toEqual([]);
  });
});

describe("protocol turns and traces", () => {
  const fx = useRuntime();
  const TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
  const GIVEN = `00-${TRACE}-00f067aa0ba902b7-01`;

  it("runs OpenAI-compatible and useChat turns in the request's trace", async () => {
    const sessionId = await fx.api.session();
    const openai = await fx.api.request(
      "POST",
      "/v1/chat/completions",
      { model: "assistant", messages: [{ role: "user", content: "hi" }] },
      { traceparent: GIVEN, "x-session-id": sessionId },
    );
    expect(openai.status, openai.text).toBe(200);
    const streamed = await fx.api.request(
      "POST",
      "/v1/chat/completions",
      { model: "assistant", stream: true, messages: [{ role: "user", content: "hi again" }] },
      { traceparent: GIVEN, "x-session-id": sessionId },
    );
    expect(streamed.status, streamed.text).toBe(200);
    const ui = await fx.api.request(
      "POST",
      `/v1/sessions/${sessionId}/chat`,
      { id: "c1", messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "and again" }] }] },
      { traceparent: GIVEN },
    );
    expect(ui.status, ui.text).toBe(200);
    const page = (await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema);
    expect(page.turns.map((t) => [t.status, t.traceId])).toEqual([
      ["completed", TRACE],
      ["completed", TRACE],
      ["completed", TRACE],
    ]);
  });
});

describe("an unsampled trace", () => {
  it("exports nothing of a delegating turn whose traceparent says not sampled", async () => {
    const receiver = await startOtlpReceiver("ok");
    const runtime = await startRuntime({
      vars: { EDGENT_DEV_MODE: "true", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    const api = new Client(runtime.url);
    const UNSAMPLED = "6bf92f3577b34da6a3ce929d0e0e4736";
    try {
      const sessionId = await api.session("triage");
      const reply = await api.request(
        "POST",
        `/v1/sessions/${sessionId}/messages`,
        { content: "/delegate knowledge article-ok" },
        { traceparent: `00-${UNSAMPLED}-00f067aa0ba902b7-00` },
      );
      expect(reply.status, reply.text).toBe(200);
      expect(reply.headers.get("traceresponse")).toMatch(new RegExp(`^00-${UNSAMPLED}-[0-9a-f]{16}-00$`));
      const turn = reply.parse(turnResponseSchema);
      const trace = (await api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).parse(turnTraceSchema);
      expect(trace.traceId).toBe(UNSAMPLED);
      expect(trace.spans.some((span) => span.source.kind === "sub_agent")).toBe(true);
      // a sampled turn after it: once its spans arrive, the earlier ones would have too
      const later = await api.say(sessionId, "/delegate knowledge sampled-ok");
      await waitUntil(
        async () => receiver.spans.filter((span) => span.attributes["edgent.turn.id"] === later.turnId).length,
        (n) => n > 0,
        { what: "the later turn's spans at the collector", timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(receiver.spans.filter((span) => span.traceId === UNSAMPLED).map((span) => span.name)).toEqual([]);
    } finally {
      await runtime.dispose();
      await receiver.close();
    }
  });
});
