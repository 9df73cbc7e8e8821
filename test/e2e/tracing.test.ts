import { describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import {
  type TraceSpan,
  type TurnSummary,
  type TurnTrace,
  turnsPageSchema,
  turnTraceSchema,
} from "../../shared/contracts/trace";
import type { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { LiveClient } from "../support/live-client.ts";
import { waitUntil } from "../support/wait-until.ts";

type Trace = TurnTrace;
type Span = TraceSpan;

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";

async function traceOf(api: Client, sessionId: string, turnId: string): Promise<Trace> {
  const reply = await api.get(`/v1/sessions/${sessionId}/turns/${turnId}/trace`);
  expect(reply.status, reply.text).toBe(200);
  return reply.parse(turnTraceSchema);
}

function named(trace: Trace, name: string): Span[] {
  return trace.spans.filter((span) => span.name === name);
}

function one(trace: Trace, name: string): Span {
  const found = named(trace, name);
  expect(found, `one span '${name}' in ${trace.spans.map((s) => s.name).join(", ")}`).toHaveLength(1);
  return found[0] as Span;
}

function childrenOf(trace: Trace, parent: Span): Span[] {
  return trace.spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** No attribute carries conversation content unless the deployment turns it on. */
function expectNoContent(trace: Trace): void {
  for (const span of trace.spans) {
    for (const key of Object.keys(span.attributes)) {
      expect(key).not.toMatch(/arguments|call\.result|input\.messages|output\.messages/);
    }
  }
}

describe("turn traces", () => {
  const fx = useRuntime({ EDGENT_RETRY_BASE_MS: "5", EDGENT_TASK_RETRY_BASE_SECONDS: "0" });

  it("traces a plain turn: the turn, its context and its model call", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "hello there");
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    expect(trace.spans.map((s) => [s.name, s.depth])).toEqual([
      ["invoke_agent assistant", 0],
      ["edgent.context", 1],
      ["chat builtin:echo", 1],
    ]);
    const [root, context, chat] = trace.spans as [Span, Span, Span];
    expect(root).toMatchObject({ status: "ok", offsetMs: 0, kind: "internal", source: { kind: "session" } });
    expect(root.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "assistant",
      "gen_ai.conversation.id": sessionId,
      "edgent.tenant": "dev",
      "edgent.session.id": sessionId,
      "edgent.turn.id": turn.turnId,
      "edgent.turn.status": "completed",
      "edgent.answered_by.tier": "local",
      "gen_ai.usage.input_tokens": turn.usage.inputTokens,
      "gen_ai.usage.output_tokens": turn.usage.outputTokens,
      "edgent.cost_usd": turn.usage.costUsd,
    });
    expect(context.attributes).toMatchObject({ "edgent.context.compacted": false, "edgent.context.messages": 1 });
    expect(chat).toMatchObject({ kind: "client", status: "ok" });
    expect(chat.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "builtin:echo",
      "gen_ai.response.model": "builtin:echo",
      "gen_ai.provider.name": "builtin",
      "gen_ai.usage.input_tokens": turn.usage.inputTokens,
      "gen_ai.response.finish_reasons": ["stop"],
      "edgent.tier": "local",
      "edgent.retry": 0,
    });
    expect(root.durationMs).toBeGreaterThanOrEqual(0);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expectNoContent(trace);
  });

  it("traces a tool turn with each tool call under the turn", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, '/tool calculator {"expression":"(2+3)*4"}');
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = one(trace, "execute_tool calculator");
    const call = turn.messages.find((m) => m.toolCalls)?.toolCalls?.[0];
    expect(tool).toMatchObject({ depth: 1, status: "ok" });
    expect(tool.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "calculator",
      "gen_ai.tool.call.id": call?.toolCallId,
      "edgent.tool.ok": true,
    });
    // a model step before the tool and one after it
    expect(named(trace, "chat builtin:echo")).toHaveLength(2);
    expectNoContent(trace);

    const failing = await fx.api.say(sessionId, '/tool calculator {"expression":"2+"}');
    const failed = one(await traceOf(fx.api, sessionId, failing.turnId), "execute_tool calculator");
    expect(failed).toMatchObject({
      status: "error",
      attributes: { "edgent.tool.ok": false, "error.type": "tool_error" },
    });
  });

  it("traces an escalated turn: the decision, the central call and the gateway's admission", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "/escalate needs a tax expert");
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const root = trace.spans[0] as Span;
    expect(root.attributes).toMatchObject({
      "edgent.answered_by.tier": "central",
      "edgent.answered_by.model": "builtin:central",
      "edgent.escalation.signal": "tool",
    });
    expect(JSON.stringify(trace)).not.toContain("needs a tax expert"); // the model's words: content
    expect(root.events.find((e) => e.name === "escalated")?.attributes).toMatchObject({
      signal: "tool",
      from: "builtin:echo",
      to: "builtin:central",
    });
    const escalation = one(trace, "edgent.escalation tool");
    expect(escalation).toMatchObject({ depth: 1, status: "ok" });
    expect(escalation.attributes).toMatchObject({
      "edgent.escalation.from": "builtin:echo",
      "edgent.escalation.to": "builtin:central",
    });
    const [central] = childrenOf(trace, escalation);
    expect(central).toMatchObject({ name: "chat builtin:central", attributes: { "edgent.tier": "central" } });
    const [gateway] = childrenOf(trace, central as Span);
    expect(gateway).toMatchObject({
      name: "edgent.gateway builtin:central",
      kind: "server",
      source: { kind: "gateway" },
    });
    const inside = childrenOf(trace, gateway as Span);
    expect(inside.map((s) => s.name)).toEqual(["edgent.gateway.admission", "edgent.provider builtin:central"]);
    expect(inside[0]?.attributes).toMatchObject({
      "edgent.gateway.admission": "admitted",
      "edgent.gateway.concurrency": 8,
      "edgent.budget.limit_tokens": 2_000_000,
    });
    expect(inside[0]?.attributes["edgent.gateway.queue_wait_ms"]).toBeGreaterThanOrEqual(0);
    expect(inside[1]?.attributes).toMatchObject({ "edgent.breaker.state": "closed", "edgent.retry": 0 });
  });

  it("traces a failed turn and every attempt of its retried calls", async () => {
    const sessionId = await fx.api.session();
    const failed = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/escalate /fail-central 9 help",
    });
    expect(failed.status).toBe(503);
    const turnId = String(failed.error?.turnId);
    const trace = await traceOf(fx.api, sessionId, turnId);
    const root = trace.spans[0] as Span;
    expect(root).toMatchObject({ status: "error", statusMessage: "model_unavailable" });
    expect(root.attributes).toMatchObject({ "edgent.turn.status": "failed", "error.type": "model_unavailable" });
    const attempts = named(trace, "edgent.provider builtin:central");
    // the gateway's retries: one span per attempt, numbered
    expect(attempts.map((s) => [s.attributes["edgent.retry"], s.status])).toEqual([
      [0, "error"],
      [1, "error"],
      [2, "error"],
    ]);
    expect(one(trace, "edgent.gateway builtin:central")).toMatchObject({
      status: "error",
      statusMessage: "model_unavailable",
    });

    // a local call retried in the session: two chat spans, the second one the retry that answered
    const retried = await fx.api.say(sessionId, "/fail 1 steady now");
    const chats = named(await traceOf(fx.api, sessionId, retried.turnId), "chat builtin:echo");
    expect(chats.map((s) => [s.attributes["edgent.retry"], s.status, s.attributes["error.type"]])).toEqual([
      [0, "error", "model_unavailable"],
      [1, "ok", undefined],
    ]);
  });

  it("traces a turn delegating to two sub-agents, one retried, as one tree", async () => {
    const sessionId = await fx.api.session("triage");
    const turn = await fx.api.say(
      sessionId,
      "/delegate billing /fail-task 1 invoice-ok\n/delegate knowledge article-ok",
    );
    expect(turn.reply.content).toContain("invoice-ok");
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    expect(trace.missing).toEqual([]);
    const delegates = named(trace, "execute_tool delegate");
    expect(delegates).toHaveLength(2);
    const [billingTask] = named(trace, "edgent.task billing");
    const [knowledgeTask] = named(trace, "edgent.task knowledge");
    for (const task of [billingTask, knowledgeTask]) {
      expect(task).toMatchObject({ status: "ok", kind: "producer", depth: 2, source: { kind: "session" } });
      expect(delegates.map((d) => d.spanId)).toContain(task?.parentSpanId);
      expect(task?.events.map((e) => e.name)).toEqual(["sent"]);
    }
    expect(billingTask?.attributes).toMatchObject({ "edgent.task.status": "completed", "edgent.task.attempts": 2 });
    // each delivery is a span under the task's, and the sub-agent's turn runs under its delivery
    const deliveries = childrenOf(trace, billingTask as Span);
    expect(
      deliveries.map((d) => [
        d.name,
        d.attributes["edgent.attempt"],
        d.status,
        d.attributes["edgent.delivery.outcome"],
      ]),
    ).toEqual([
      ["process edgent-tasks billing", 1, "error", "failed"],
      ["process edgent-tasks billing", 2, "ok", "completed"],
    ]);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({
        kind: "consumer",
        source: { kind: "sub_agent", taskId: billingTask?.attributes["edgent.task.id"] },
      });
      expect(delivery.attributes).toMatchObject({
        "messaging.system": "cloudflare_queues",
        "messaging.destination.name": "edgent-tasks",
      });
      const [subTurn] = childrenOf(trace, delivery);
      expect(subTurn?.name).toBe("invoke_agent billing");
    }
    expect(childrenOf(trace, deliveries[0] as Span)[0]?.status).toBe("error");
    expect(childrenOf(trace, deliveries[1] as Span)[0]?.status).toBe("ok");
    const knowledge = childrenOf(trace, knowledgeTask as Span);
    expect(knowledge.map((d) => d.attributes["edgent.attempt"])).toEqual([1]);
    // the coordinator's last step, after the results, is part of the same turn span
    const root = trace.spans[0] as Span;
    expect(root.attributes).toMatchObject({ "edgent.turn.runs": 2, "edgent.turn.status": "completed" });
    expect(childrenOf(trace, root).filter((s) => s.name === "chat builtin:echo")).toHaveLength(2);
    // every span hangs in the tree: depth first, parents before children
    const seen = new Set<string>();
    for (const span of trace.spans) {
      if (span.depth > 0) expect(seen.has(span.parentSpanId ?? "")).toBe(true);
      seen.add(span.spanId);
    }
  });

  it("honours a caller's traceparent and names the trace in every response", async () => {
    const sessionId = await fx.api.session();
    const reply = await fx.api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "traced" },
      {
        traceparent: `00-${TRACE}-${CLIENT_SPAN}-01`,
      },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get("x-trace-id")).toBe(TRACE);
    const [, traceId, routerSpan, flags] = (reply.headers.get("traceresponse") ?? "").split("-");
    expect([traceId, flags]).toEqual([TRACE, "01"]);
    expect(routerSpan).toMatch(/^[0-9a-f]{16}$/);
    expect(routerSpan).not.toBe(CLIENT_SPAN);
    const trace = await traceOf(fx.api, sessionId, reply.parse(turnResponseSchema).turnId);
    // the turn runs under the router's span, in the caller's trace
    expect(trace).toMatchObject({ traceId: TRACE, parentSpanId: routerSpan });

    // a malformed traceparent is ignored: a new trace, not an error
    const malformed = await fx.api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "x" },
      {
        traceparent: `00-${TRACE.toUpperCase()}-${CLIENT_SPAN}-01`,
      },
    );
    expect(malformed.status).toBe(200);
    const fresh = malformed.headers.get("x-trace-id");
    expect(fresh).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh).not.toBe(TRACE);
    expect((await traceOf(fx.api, sessionId, malformed.parse(turnResponseSchema).turnId)).traceId).toBe(fresh);
    // errors and unauthenticated calls carry one too
    for (const response of [await fx.api.get("/v1/sessions/nope"), await fx.api.withToken(null).get("/v1/agents")]) {
      expect(response.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("runs a WebSocket turn in the trace its frame names", async () => {
    const sessionId = await fx.api.session();
    const live = await LiveClient.connect(fx.runtime.url, sessionId);
    try {
      live.send({ type: "message", content: "over the socket", traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` });
      const ended = await live.turnEnded();
      const trace = await traceOf(fx.api, sessionId, (ended as { turnId: string }).turnId);
      expect(trace).toMatchObject({ traceId: TRACE, parentSpanId: CLIENT_SPAN });
    } finally {
      live.close();
    }
  });

  it("lists a session's turns newest first, a page at a time", async () => {
    const sessionId = await fx.api.session();
    const plain = await fx.api.say(sessionId, "first");
    const escalated = await fx.api.say(sessionId, "/escalate second");
    const failed = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/escalate /fail-central 9 third",
    });
    const failedId = failed.error?.turnId;
    const first = await fx.api.get(`/v1/sessions/${sessionId}/turns?limit=2`);
    expect(first.status).toBe(200);
    const page = first.parse(turnsPageSchema);
    expect(page.turns.map((t) => t.turnId)).toEqual([failedId, escalated.turnId]);
    expect(page).toMatchObject({ hasMore: true, nextBefore: escalated.turnId });
    const [failedTurn, escalatedTurn] = page.turns as [TurnSummary, TurnSummary];
    expect(failedTurn).toMatchObject({ status: "failed", error: { code: "model_unavailable" } });
    expect(escalatedTurn).toMatchObject({
      status: "completed",
      escalation: { signal: "tool", reason: "second" },
      models: [
        { model: "builtin:echo", tier: "local", calls: 1 },
        { model: "builtin:central", tier: "central", calls: 1 },
      ],
      tokens: { input: escalated.usage.inputTokens, output: escalated.usage.outputTokens },
      costUsd: escalated.usage.costUsd,
    });
    expect(escalatedTurn.durationMs).toBeGreaterThanOrEqual(0);
    expect(escalatedTurn.traceId).toMatch(/^[0-9a-f]{32}$/);
    const next = (await fx.api.get(`/v1/sessions/${sessionId}/turns?limit=2&before=${page.nextBefore}`)).parse(
      turnsPageSchema,
    );
    expect(next.turns.map((t) => t.turnId)).toEqual([plain.turnId]);
    expect(next.hasMore).toBe(false);
  });

  it("answers 404 for another tenant's session, turn and trace, and 400 for bad parameters", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "mine");
    const other = fx.api.withToken("dev-token-2");
    for (const path of [`/v1/sessions/${sessionId}/turns`, `/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`]) {
      const reply = await other.get(path);
      expect([reply.status, reply.code]).toEqual([404, "not_found"]);
    }
    const unknown = await fx.api.get(`/v1/sessions/${sessionId}/turns/${crypto.randomUUID()}/trace`);
    expect([unknown.status, unknown.code]).toEqual([404, "not_found"]);
    for (const path of [
      `/v1/sessions/${sessionId}/turns?limit=0`,
      `/v1/sessions/${sessionId}/turns?limit=abc`,
      `/v1/sessions/${sessionId}/turns?before=not-a-turn`,
      `/v1/sessions/${sessionId}/turns?before=${crypto.randomUUID()}`,
      `/v1/sessions/${sessionId}/turns?colour=blue`,
      `/v1/sessions/${sessionId}/turns/not-a-uuid/trace`,
    ]) {
      const reply = await fx.api.get(path);
      expect([path, reply.status, reply.code]).toEqual([path, 400, "validation_failed"]);
    }
    const wrong = await fx.api.post(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`, {});
    expect(wrong.status).toBe(405);
  });

  it("erases a session's spans with it", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "forget me");
    await traceOf(fx.api, sessionId, turn.turnId);
    expect((await fx.api.delete(`/v1/sessions/${sessionId}`)).status).toBe(204);
    await fx.api.post("/v1/sessions", { agent: "assistant", sessionId });
    const reply = await fx.api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`);
    expect([reply.status, reply.code]).toEqual([404, "not_found"]);
    expect((await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema).turns).toEqual([]);
  });
});

describe("span retention by count", () => {
  const fx = useRuntime({ EDGENT_TRACE_MAX_SPANS: "10" });

  it("keeps whole turns within the span count, oldest pruned first", async () => {
    const sessionId = await fx.api.session();
    const turns: string[] = [];
    // three spans a turn: the fourth turn takes the table over ten, pruning down to nine
    for (let i = 0; i < 5; i++) turns.push((await fx.api.say(sessionId, `turn ${i}`)).turnId);
    const statuses = await Promise.all(
      turns.map(async (id) => (await fx.api.get(`/v1/sessions/${sessionId}/turns/${id}/trace`)).status),
    );
    expect(statuses.slice(-2)).toEqual([200, 200]);
    expect(statuses[0]).toBe(404);
    for (const status of statuses) expect([200, 404]).toContain(status);
    // the turns themselves stay listed
    expect((await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema).turns).toHaveLength(5);
  });
});

describe("span retention by age", () => {
  const fx = useRuntime({ EDGENT_TRACE_MAX_AGE_SECONDS: "2" });

  it("drops a turn's spans once they are older than the age limit", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, "short-lived");
    expect((await fx.api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).status).toBe(200);
    const gone = await waitUntil(
      () => fx.api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`),
      (reply) => reply.status === 404,
      { what: "the trace to pass the age limit", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(gone.text).toContain("no retained trace");
  });
});

describe("content capture", () => {
  const fx = useRuntime({ EDGENT_TRACE_CONTENT: "on" });

  it("records message text and tool arguments and results when the deployment turns it on", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, '/tool calculator {"expression":"6*7"}');
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = one(trace, "execute_tool calculator");
    expect(JSON.parse(String(tool.attributes["gen_ai.tool.call.arguments"]))).toEqual({ expression: "6*7" });
    expect(String(tool.attributes["gen_ai.tool.call.result"])).toContain("42");
    const root = trace.spans[0] as Span;
    expect(JSON.parse(String(root.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", content: '/tool calculator {"expression":"6*7"}' },
    ]);
    expect(String(root.attributes["gen_ai.output.messages"])).toContain("42");
    // never the caller's credentials
    expect(JSON.stringify(trace)).not.toContain("dev-token");
  });
});

describe("tracing switched off", () => {
  const fx = useRuntime({ EDGENT_TRACING: "off" });

  it("keeps no spans but still names the trace and lists the turns", async () => {
    const sessionId = await fx.api.session();
    const reply = await fx.api.post(`/v1/sessions/${sessionId}/messages`, { content: "untraced" });
    expect(reply.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    const turnId = reply.parse(turnResponseSchema).turnId;
    expect((await fx.api.get(`/v1/sessions/${sessionId}/turns/${turnId}/trace`)).status).toBe(404);
    const page = (await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema);
    expect(page.turns.map((t) => [t.turnId, t.status, t.traceId])).toEqual([[turnId, "completed", undefined]]);
  });
});
