import type { MetricCounts, MetricLine, MetricStats, MetricsResponse } from "../contracts/metrics";
import { nanosToUsd } from "../models/pricing";
import { emptyHistogram, LATENCY_BOUNDS_MS, mergeHistograms, observe, quantile } from "./histogram";

/** Counts of no turns. */
export function emptyCounts(): MetricCounts {
  return {
    turns: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    latency: emptyHistogram(),
    latencySumMs: 0,
    escalated: 0,
    refused: 0,
    signals: {},
    fallbacks: 0,
    fallbackTurns: 0,
    toolCalls: 0,
    toolErrors: 0,
    modelCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costNanos: 0,
  };
}

/** What one finished turn contributes to its group. */
export interface TurnFacts {
  status: "completed" | "failed" | "cancelled";
  durationMs: number;
  signal?: string;
  refused?: boolean;
  fallbacks: number;
  toolCalls: number;
  toolErrors: number;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costNanos: number;
}

/** Adds one turn to a group's counts. */
export function countTurn(counts: MetricCounts, turn: TurnFacts): MetricCounts {
  counts.turns++;
  counts[turn.status]++;
  observe(counts.latency, turn.durationMs);
  counts.latencySumMs += turn.durationMs;
  if (turn.signal) {
    counts.escalated++;
    counts.signals[turn.signal] = (counts.signals[turn.signal] ?? 0) + 1;
    if (turn.refused) counts.refused++;
  }
  counts.fallbacks += turn.fallbacks;
  if (turn.fallbacks > 0) counts.fallbackTurns++;
  counts.toolCalls += turn.toolCalls;
  counts.toolErrors += turn.toolErrors;
  counts.modelCalls += turn.modelCalls;
  counts.inputTokens += turn.inputTokens;
  counts.outputTokens += turn.outputTokens;
  counts.costNanos += turn.costNanos;
  return counts;
}

/** The sum of two groups' counts. */
export function mergeCounts(a: MetricCounts, b: MetricCounts): MetricCounts {
  const signals = { ...a.signals };
  for (const [signal, count] of Object.entries(b.signals)) signals[signal] = (signals[signal] ?? 0) + count;
  return {
    turns: a.turns + b.turns,
    completed: a.completed + b.completed,
    failed: a.failed + b.failed,
    cancelled: a.cancelled + b.cancelled,
    latency: mergeHistograms(a.latency, b.latency),
    latencySumMs: a.latencySumMs + b.latencySumMs,
    escalated: a.escalated + b.escalated,
    refused: a.refused + b.refused,
    signals,
    fallbacks: a.fallbacks + b.fallbacks,
    fallbackTurns: a.fallbackTurns + b.fallbackTurns,
    toolCalls: a.toolCalls + b.toolCalls,
    toolErrors: a.toolErrors + b.toolErrors,
    modelCalls: a.modelCalls + b.modelCalls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costNanos: a.costNanos + b.costNanos,
  };
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** A group's figures: rates, latency percentiles from its histogram, cost per successful turn. */
export function statsOf(counts: MetricCounts): MetricStats {
  const p = (q: number) => {
    const value = quantile(counts.latency, q);
    return value === null ? null : Math.round(value * 1000) / 1000;
  };
  return {
    turns: { total: counts.turns, completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled },
    successRate: ratio(counts.completed, counts.turns),
    latencyMs: {
      p50: p(0.5),
      p95: p(0.95),
      p99: p(0.99),
      mean: counts.turns > 0 ? Math.round((counts.latencySumMs / counts.turns) * 1000) / 1000 : null,
    },
    escalation: {
      count: counts.escalated,
      rate: ratio(counts.escalated, counts.turns),
      refused: counts.refused,
      signals: { ...counts.signals },
    },
    fallback: { count: counts.fallbacks, turns: counts.fallbackTurns, rate: ratio(counts.fallbackTurns, counts.turns) },
    tools: {
      calls: counts.toolCalls,
      errors: counts.toolErrors,
      errorRate: ratio(counts.toolErrors, counts.toolCalls),
    },
    tokens: { input: counts.inputTokens, output: counts.outputTokens },
    modelCalls: counts.modelCalls,
    costUsd: nanosToUsd(counts.costNanos),
    costPerSuccessfulTurnUsd: counts.completed > 0 ? nanosToUsd(counts.costNanos) / counts.completed : null,
  };
}

/** Lines grouped by a key, each group's counts merged. */
export function groupLines(lines: readonly MetricLine[], key: (line: MetricLine) => string): Map<string, MetricCounts> {
  const groups = new Map<string, MetricCounts>();
  for (const line of lines) {
    const name = key(line);
    groups.set(name, mergeCounts(groups.get(name) ?? emptyCounts(), line.counts));
  }
  return groups;
}

const escapeLabel = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

/**
 * The window's figures as Prometheus text (exposition format 0.0.4): gauges over the window
 * per agent and answering model, the latency histogram's buckets, and latency quantiles
 * overall, per agent and per model.
 */
export function prometheusText(lines: readonly MetricLine[], response: MetricsResponse): string {
  const out: string[] = [];
  const window = response.window;
  const byPair = groupLines(lines, (line) => `${line.agent}\u0000${line.model}`);
  const metric = (name: string, help: string, type: "gauge" | "histogram" = "gauge") =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const labels = (pairs: Record<string, string>) =>
    `{${Object.entries({ ...pairs, window })
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(",")}}`;
  const each = (emit: (pair: Record<string, string>, counts: MetricCounts) => void) => {
    for (const [key, counts] of byPair) {
      const [agent = "", model = ""] = key.split("\u0000");
      emit({ agent, model }, counts);
    }
  };
  metric("edgent_turns", "Turns that ended in the window, by status.");
  each((pair, c) => {
    for (const status of ["completed", "failed", "cancelled"] as const) {
      out.push(`edgent_turns${labels({ ...pair, status })} ${c[status]}`);
    }
  });
  metric("edgent_turn_duration_seconds", "Turn latency in the window.", "histogram");
  each((pair, c) => {
    let cumulative = 0;
    LATENCY_BOUNDS_MS.forEach((bound, i) => {
      cumulative += c.latency[i] ?? 0;
      out.push(`edgent_turn_duration_seconds_bucket${labels({ ...pair, le: String(bound / 1000) })} ${cumulative}`);
    });
    out.push(`edgent_turn_duration_seconds_bucket${labels({ ...pair, le: "+Inf" })} ${c.turns}`);
    out.push(`edgent_turn_duration_seconds_sum${labels(pair)} ${c.latencySumMs / 1000}`);
    out.push(`edgent_turn_duration_seconds_count${labels(pair)} ${c.turns}`);
  });
  metric("edgent_turn_latency_seconds", "Turn latency quantiles in the window (overall, per agent, per model).");
  const quantiles = (scope: Record<string, string>, stats: MetricStats) => {
    for (const [q, value] of [
      ["0.5", stats.latencyMs.p50],
      ["0.95", stats.latencyMs.p95],
      ["0.99", stats.latencyMs.p99],
    ] as const) {
      if (value !== null) out.push(`edgent_turn_latency_seconds${labels({ ...scope, quantile: q })} ${value / 1000}`);
    }
  };
  quantiles({ scope: "overall" }, response.overall);
  for (const agent of response.byAgent) quantiles({ scope: "agent", agent: agent.agent }, agent);
  for (const model of response.byModel) quantiles({ scope: "model", model: model.model }, model);
  metric("edgent_escalations", "Turns that escalated to the central model in the window, by signal.");
  each((pair, c) => {
    for (const [signal, count] of Object.entries(c.signals))
      out.push(`edgent_escalations${labels({ ...pair, signal })} ${count}`);
  });
  const simple: Array<[string, string, (c: MetricCounts) => number]> = [
    ["edgent_escalations_refused", "Escalations whose central model could not be reached.", (c) => c.refused],
    ["edgent_fallbacks", "Model calls answered by a fallback model.", (c) => c.fallbacks],
    ["edgent_tool_calls", "Tool calls.", (c) => c.toolCalls],
    ["edgent_tool_errors", "Tool calls that failed.", (c) => c.toolErrors],
    ["edgent_model_calls", "Model call attempts.", (c) => c.modelCalls],
    ["edgent_cost_usd", "Model cost in US dollars.", (c) => nanosToUsd(c.costNanos)],
  ];
  for (const [name, help, value] of simple) {
    metric(name, `${help} In the window.`);
    each((pair, c) => out.push(`${name}${labels(pair)} ${value(c)}`));
  }
  metric("edgent_tokens", "Model tokens in the window, by direction.");
  each((pair, c) => {
    out.push(`edgent_tokens${labels({ ...pair, type: "input" })} ${c.inputTokens}`);
    out.push(`edgent_tokens${labels({ ...pair, type: "output" })} ${c.outputTokens}`);
  });
  metric(
    "edgent_trace_spans_dropped",
    "Trace spans the exporter dropped (collector down, slow or full) in the window.",
  );
  out.push(`edgent_trace_spans_dropped${labels({})} ${response.traceExport.droppedSpans}`);
  return `${out.join("\n")}\n`;
}
