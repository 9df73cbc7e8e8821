import { describe, expect, it } from "vitest";
import { type MetricStats, metricsResponseSchema } from "../../shared/contracts/metrics";
import { turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { LATENCY_BOUNDS_MS } from "../../shared/metrics/histogram.ts";
import type { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { waitUntil } from "../support/wait-until.ts";

const TOKEN = "metrics-tenant-token";
/** a tenant whose sessions are erased right after their turns */
const ERASED_TOKEN = "erased-tenant-token";

type Stats = MetricStats;

/** What a turn that ran adds up to, read back from the turn list and its trace. */
interface Ran {
  agent: string;
  model: string;
  status: string;
  durationMs: number;
  signal?: string;
  tools: { calls: number; errors: number };
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The turns a session ran (and those of its sub-agents), from the API: the ground truth. */
async function turnsRan(api: Client, sessionId: string, agent: string): Promise<Ran[]> {
  const page = (await api.get(`/v1/sessions/${sessionId}/turns?limit=200`)).parse(turnsPageSchema);
  const ran: Ran[] = [];
  for (const turn of page.turns) {
    const trace = (await api.get(`/v1/sessions/${sessionId}/turns/${turn.turnId}/trace`)).parse(turnTraceSchema);
    // each turn span and the tool calls beneath it, the session's and its sub-agents'
    let current: Ran | undefined;
    for (const span of trace.spans) {
      if (span.name.startsWith("invoke_agent ")) {
        current = {
          agent: String(span.attributes["gen_ai.agent.name"]),
          model: String(span.attributes["edgent.answered_by.model"] ?? span.attributes["edgent.model.local"]),
          status: String(span.attributes["edgent.turn.status"]),
          durationMs: span.source.kind === "session" ? (turn.durationMs ?? 0) : 0,
          ...(span.attributes["edgent.escalation.signal"]
            ? { signal: String(span.attributes["edgent.escalation.signal"]) }
            : {}),
          tools: { calls: 0, errors: 0 },
          inputTokens: Number(span.attributes["gen_ai.usage.input_tokens"]),
          outputTokens: Number(span.attributes["gen_ai.usage.output_tokens"]),
          costUsd: Number(span.attributes["edgent.cost_usd"]),
        };
        ran.push(current);
      } else if (span.name.startsWith("execute_tool ") && current) {
        current.tools.calls++;
        if (span.status === "error") current.tools.errors++;
      }
    }
  }
  expect(ran.filter((r) => r.agent === agent).length).toBe(page.turns.length);
  return ran;
}

function expected(ran: readonly Ran[]) {
  const count = (status: string) => ran.filter((r) => r.status === status).length;
  const signals: Record<string, number> = {};
  for (const r of ran) if (r.signal) signals[r.signal] = (signals[r.signal] ?? 0) + 1;
  return {
    turns: { total: ran.length, completed: count("completed"), failed: count("failed"), cancelled: count("cancelled") },
    signals,
    tools: {
      calls: ran.reduce((n, r) => n + r.tools.calls, 0),
      errors: ran.reduce((n, r) => n + r.tools.errors, 0),
    },
    tokens: {
      input: ran.reduce((n, r) => n + r.inputTokens, 0),
      output: ran.reduce((n, r) => n + r.outputTokens, 0),
    },
    costUsd: ran.reduce((n, r) => n + r.costUsd, 0),
  };
}

function expectMatches(stats: Stats, ran: readonly Ran[]): void {
  const want = expected(ran);
  expect(stats.turns).toEqual(want.turns);
  expect(stats.successRate).toBeCloseTo(want.turns.completed / want.turns.total, 10);
  expect(stats.escalation.signals).toEqual(want.signals);
  expect(stats.escalation.count).toBe(Object.values(want.signals).reduce((a, b) => a + b, 0));
  expect(stats.tools).toMatchObject(want.tools);
  expect(stats.tokens).toEqual(want.tokens);
  expect(stats.costUsd).toBeCloseTo(want.costUsd, 12);
  expect(stats.costPerSuccessfulTurnUsd).toBeCloseTo(want.costUsd / want.turns.completed, 12);
  const { p50, p95, p99 } = stats.latencyMs;
  expect(p50).not.toBeNull();
  expect(p50 as number).toBeLessThanOrEqual(p95 as number);
  expect(p95 as number).toBeLessThanOrEqual(p99 as number);
  // a histogram cannot place the slowest turn past the top of its bucket
  const slowest = Math.max(...ran.map((r) => r.durationMs));
  const top = LATENCY_BOUNDS_MS.find((bound) => bound >= slowest + 5) ?? Number.POSITIVE_INFINITY;
  expect(p99 as number).toBeLessThanOrEqual(top);
}

describe("tenant metrics", () => {
  const fx = useRuntime({
    EDGENT_TOKENS: JSON.stringify({ [TOKEN]: "metrics", [ERASED_TOKEN]: "erased" }),
    EDGENT_USAGE_REPORT_SECONDS: "1",
    EDGENT_RETRY_BASE_MS: "5",
  });

  it("match the turns actually run: overall, per agent and per model, as JSON and Prometheus text", async () => {
    const api = fx.api.withToken(TOKEN);
    const assistant = await api.session("assistant");
    const analyst = await api.session("analyst");
    const triage = await api.session("triage");
    for (const content of [
      "hello",
      "again",
      '/tool calculator {"expression":"6*7"}',
      '/tool calculator {"expression":"6*"}',
      "/escalate needs a bigger model",
    ]) {
      await api.say(assistant, content);
    }
    expect(
      (await api.post(`/v1/sessions/${assistant}/messages`, { content: "/escalate /fail-central 9 x" })).status,
    ).toBe(503);
    await api.say(analyst, "numbers please");
    await api.say(triage, "/delegate knowledge help article");
    const ran = [
      ...(await turnsRan(api, assistant, "assistant")),
      ...(await turnsRan(api, analyst, "analyst")),
      ...(await turnsRan(api, triage, "triage")),
    ];
    // the sub-agent's turn counts too
    expect(ran.map((r) => r.agent).filter((a) => a === "knowledge")).toHaveLength(1);
    expect(ran).toHaveLength(9);

    const metrics = await waitUntil(
      async () => (await api.get("/v1/metrics?window=1h")).parse(metricsResponseSchema),
      (body) => body.overall.turns.total === ran.length,
      { what: "the metrics to count every turn run", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(metrics).toMatchObject({ tenant: "metrics", window: "1h" });
    expectMatches(metrics.overall, ran);
    expect(metrics.overall.fallback).toEqual({ count: 0, turns: 0, rate: 0 });
    expect(metrics.overall.escalation.rate).toBeCloseTo(2 / 9, 10);
    expect(metrics.overall.tools.errorRate).toBeCloseTo(metrics.overall.tools.errors / metrics.overall.tools.calls, 10);
    expect(metrics.byAgent.map((a) => a.agent)).toEqual(["analyst", "assistant", "knowledge", "triage"]);
    for (const agent of metrics.byAgent) {
      expect(agent.turns).toEqual(expected(ran.filter((r) => r.agent === agent.agent)).turns);
      expect(agent.tokens).toEqual(expected(ran.filter((r) => r.agent === agent.agent)).tokens);
    }
    // a turn counts under the model that answered it (the local one, if none did)
    expect(metrics.byModel.map((m) => m.model)).toEqual(["builtin:central", "builtin:echo"]);
    for (const model of metrics.byModel) {
      expect(model.turns).toEqual(expected(ran.filter((r) => r.model === model.model)).turns);
    }
    for (const window of ["24h", "7d"]) {
      expect((await api.get(`/v1/metrics?window=${window}`)).parse(metricsResponseSchema).overall.turns).toEqual(
        metrics.overall.turns,
      );
    }

    const text = await api.request("GET", "/v1/metrics", undefined, { accept: "text/plain" });
    expect(text.headers.get("content-type")).toContain("text/plain");
    expect(text.text).toContain("# TYPE edgent_turn_duration_seconds histogram");
    expect(text.text).toContain('edgent_turns{agent="assistant",model="builtin:echo",status="failed",window="1h"} 1');
    expect(text.text).toContain(
      'edgent_escalations{agent="assistant",model="builtin:central",signal="tool",window="1h"} 1',
    );
    const counts = [...text.text.matchAll(/^edgent_turn_duration_seconds_count\{[^}]*\} (\d+)$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ran.length);
    expect((await api.get("/v1/metrics?format=prometheus")).text).toContain(
      'edgent_turn_latency_seconds{scope="overall"',
    );
  });

  it("count the turns of sessions erased right after them: stateless OpenAI-compatible turns and sub-agents too", async () => {
    const api = fx.api.withToken(ERASED_TOKEN);
    // a stateless OpenAI-compatible turn: its short-lived session is erased after the answer
    const openai = await api.post("/v1/chat/completions", {
      model: "assistant",
      messages: [{ role: "user", content: "stateless" }],
    });
    expect(openai.status, openai.text).toBe(200);
    // a session erased right after its turn, and one erased with the sub-agent its turn delegated to
    const erased = await api.session();
    await api.say(erased, "then erased");
    expect((await api.delete(`/v1/sessions/${erased}`)).status).toBe(204);
    const parent = await api.session("triage");
    await api.say(parent, "/delegate knowledge article-ok");
    expect((await api.delete(`/v1/sessions/${parent}`)).status).toBe(204);
    // nothing of them is left to report later: what the tenant's metrics hold now is all there will be
    const metrics = await waitUntil(
      async () => (await api.get("/v1/metrics?window=1h")).parse(metricsResponseSchema),
      (body) => body.overall.turns.total >= 4,
      { what: "the metrics to count the erased sessions' turns", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(metrics.overall.turns.total).toBe(4);
    expect(metrics.byAgent.map((a) => [a.agent, a.turns.total]).sort()).toEqual([
      ["assistant", 2],
      ["knowledge", 1],
      ["triage", 1],
    ]);
  });

  it("keeps each tenant's metrics to itself and refuses a bad window", async () => {
    const other = (await fx.api.get("/v1/metrics")).parse(metricsResponseSchema);
    expect(other.tenant).toBe("dev");
    expect(other.overall.turns.total).toBe(0);
    expect(other.overall.successRate).toBeNull();
    expect(other.overall.latencyMs.p50).toBeNull();
    for (const query of ["window=2h", "format=xml", "colour=blue"]) {
      const reply = await fx.api.get(`/v1/metrics?${query}`);
      expect([query, reply.status, reply.code]).toEqual([query, 400, "validation_failed"]);
    }
    expect((await fx.api.post("/v1/metrics", {})).status).toBe(405);
  });
});
