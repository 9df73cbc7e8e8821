import { describe, expect, it } from "vitest";
import type { MetricLine } from "../contracts/metrics";
import { countTurn, emptyCounts, groupLines, mergeCounts, prometheusText, statsOf, type TurnFacts } from "./aggregate";

const TURN: TurnFacts = {
  status: "completed",
  durationMs: 40,
  fallbacks: 0,
  toolCalls: 2,
  toolErrors: 1,
  modelCalls: 3,
  inputTokens: 100,
  outputTokens: 20,
  costNanos: 1_000_000,
};

function line(agent: string, model: string, turns: TurnFacts[]): MetricLine {
  const counts = emptyCounts();
  for (const turn of turns) countTurn(counts, turn);
  return { bucketMs: 0, agent, model, counts };
}

describe("metric aggregation", () => {
  it("adds turns up: statuses, escalations by signal, fallbacks, tools, tokens and cost", () => {
    const counts = emptyCounts();
    countTurn(counts, TURN);
    countTurn(counts, {
      ...TURN,
      status: "failed",
      signal: "error",
      refused: true,
      fallbacks: 2,
      costNanos: 3_000_000,
    });
    countTurn(counts, { ...TURN, signal: "tool" });
    const stats = statsOf(counts);
    expect(stats.turns).toEqual({ total: 3, completed: 2, failed: 1, cancelled: 0 });
    expect(stats.successRate).toBeCloseTo(2 / 3, 10);
    expect(stats.escalation).toEqual({ count: 2, rate: 2 / 3, refused: 1, signals: { error: 1, tool: 1 } });
    expect(stats.fallback).toEqual({ count: 2, turns: 1, rate: 1 / 3 });
    expect(stats.tools).toEqual({ calls: 6, errors: 3, errorRate: 0.5 });
    expect(stats.tokens).toEqual({ input: 300, output: 60 });
    expect(stats.costUsd).toBeCloseTo(0.005, 12);
    // every turn's cost, spread over the turns that succeeded
    expect(stats.costPerSuccessfulTurnUsd).toBeCloseTo(0.0025, 12);
    expect(stats.latencyMs.mean).toBe(40);
  });

  it("has no rates or percentiles without turns", () => {
    const stats = statsOf(emptyCounts());
    expect(stats.successRate).toBeNull();
    expect(stats.latencyMs).toEqual({ p50: null, p95: null, p99: null, mean: null });
    expect(stats.costPerSuccessfulTurnUsd).toBeNull();
    expect(stats.tools.errorRate).toBeNull();
  });

  it("merges groups by addition, so any grouping of the same turns agrees", () => {
    const a = line("assistant", "builtin:echo", [TURN, { ...TURN, durationMs: 900 }]);
    const b = line("triage", "builtin:echo", [{ ...TURN, signal: "tool" }]);
    const c = line("assistant", "builtin:central", [{ ...TURN, durationMs: 5 }]);
    const all = mergeCounts(mergeCounts(a.counts, b.counts), c.counts);
    const byAgent = groupLines([a, b, c], (l) => l.agent);
    expect(mergeCounts(byAgent.get("assistant") ?? emptyCounts(), byAgent.get("triage") ?? emptyCounts())).toEqual(all);
    expect(statsOf(all).turns.total).toBe(4);
    expect(statsOf(all).escalation.signals).toEqual({ tool: 1 });
  });

  it("writes Prometheus text with a cumulative histogram per agent and model", () => {
    const lines = [line("assistant", "builtin:echo", [TURN, { ...TURN, durationMs: 3 }])];
    const stats = statsOf(lines[0]?.counts ?? emptyCounts());
    const text = prometheusText(lines, {
      tenant: "acme",
      window: "1h",
      from: "",
      to: "",
      bucketSeconds: 300,
      overall: stats,
      byAgent: [{ agent: "assistant", ...stats }],
      byModel: [{ model: "builtin:echo", ...stats }],
      traceExport: { droppedSpans: 4 },
    });
    const pair = 'agent="assistant",model="builtin:echo"';
    expect(text).toContain(`edgent_turns{${pair},status="completed",window="1h"} 2`);
    expect(text).toContain(`edgent_turn_duration_seconds_bucket{${pair},le="0.005",window="1h"} 1`);
    expect(text).toContain(`edgent_turn_duration_seconds_bucket{${pair},le="0.05",window="1h"} 2`);
    expect(text).toContain(`edgent_turn_duration_seconds_bucket{${pair},le="+Inf",window="1h"} 2`);
    expect(text).toContain(`edgent_turn_duration_seconds_count{${pair},window="1h"} 2`);
    expect(text).toContain(`edgent_tokens{${pair},type="input",window="1h"} 200`);
    expect(text).toContain('edgent_trace_spans_dropped{window="1h"} 4');
    expect(text).toMatch(/^edgent_turn_latency_seconds\{scope="overall",quantile="0.5",window="1h"\} [\d.]+$/m);
    // every sample line is `name{labels} value`
    for (const sample of text
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("#"))) {
      expect(sample).toMatch(/^[a-z_]+\{[^}]*\} -?[\d.e+-]+$/);
    }
  });
});
