// Protocol figures for `npm run bench`: what the OpenAI-compatible route and the AI SDK's UI
// message stream add over the native routes, measured in the same run: native JSON vs chat
// completions (a named session, and a short-lived one seeded with a transcript), and native
// SSE vs the UI message stream vs streamed completions. Two measures, both interleaved so that
// machine noise hits every variant alike: the latency of one turn at a time (variants in a
// shuffled order each round), and turns/s under concurrent load (short phases in rounds).
// Alone: `node bench/protocols.ts` (builds the bundle first).
import { buildBundle, startRuntime } from "../test/support/runtime.ts";
import { AUTH, createSession, type LoadResult, runLoad, stats } from "./load.ts";

const CONTENT = "What is the status of my order?";

/** One way of running a turn, as a client would call it. */
interface Variant {
  name: string;
  request(base: URL, worker: number, sessions: string[]): Promise<Response>;
}

function post(base: URL, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, base), { method: "POST", headers: { ...AUTH, ...headers }, body: JSON.stringify(body) });
}

const user = { role: "user", content: CONTENT };

export const VARIANTS: Variant[] = [
  { name: "native", request: (base, w, s) => post(base, `/v1/sessions/${s[w]}/messages`, { content: CONTENT }) },
  {
    name: "openai",
    request: (base, w, s) =>
      post(base, "/v1/chat/completions", { model: "assistant", messages: [user] }, { "x-session-id": s[w] ?? "" }),
  },
  {
    name: "openaiShortLived",
    request: (base) =>
      post(base, "/v1/chat/completions", {
        model: "assistant",
        messages: [{ role: "user", content: "Hello" }, { role: "assistant", content: "Hi, how can I help?" }, user],
      }),
  },
  {
    name: "nativeSse",
    request: (base, w, s) =>
      post(base, `/v1/sessions/${s[w]}/messages`, { content: CONTENT }, { accept: "text/event-stream" }),
  },
  {
    name: "uiStream",
    request: (base, w, s) =>
      post(base, `/v1/sessions/${s[w]}/chat`, {
        id: s[w],
        messages: [{ id: `m-${crypto.randomUUID()}`, role: "user", parts: [{ type: "text", text: CONTENT }] }],
        trigger: "submit-message",
      }),
  },
  {
    name: "openaiStream",
    request: (base, w, s) =>
      post(
        base,
        "/v1/chat/completions",
        { model: "assistant", messages: [user], stream: true, stream_options: { include_usage: true } },
        { "x-session-id": s[w] ?? "" },
      ),
  },
];

const SHORT_LIVED = "openaiShortLived";

/** A copy in a random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Throughput and latency per variant, and their ratios to the native routes. */
export interface ProtocolFigures {
  concurrency: number;
  secondsPerPhase: number;
  rounds: number;
  /** one turn at a time: p50 and p99 per variant */
  latency: Record<string, { p50: number; p99: number; samples: number }>;
  latencyRatios: { openai: number; openaiShortLived: number; uiStream: number; openaiStream: number };
  variants: Record<string, { turnsPerSecond: number; p50: number; p99: number; turns: number; errors: number }>;
  ratios: {
    openaiThroughput: number;
    openaiP50: number;
    openaiShortLivedThroughput: number;
    uiStreamThroughput: number;
    uiStreamP50: number;
    openaiStreamThroughput: number;
    openaiStreamP50: number;
  };
}

function merge(results: LoadResult[]): ProtocolFigures["variants"][string] {
  const turns = results.reduce((sum, r) => sum + r.count, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  // p50/p99 of the rounds, weighted alike: each round ran as long
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return {
    turnsPerSecond: turns / seconds,
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    turns,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** p50 and p99 of one turn at a time per variant, the variants in a new random order each round. */
async function sequentialLatency(
  base: URL,
  sessions: Map<string, string[]>,
  rounds: number,
): Promise<ProtocolFigures["latency"]> {
  const samples = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of shuffled(VARIANTS)) {
      const t0 = performance.now();
      const response = await variant.request(base, 0, sessions.get(variant.name) ?? []);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${variant.name}: ${response.status}`);
      samples.get(variant.name)?.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    [...samples].map(([name, values]) => {
      const { p50, p99, count } = stats(values);
      return [name, { p50, p99, samples: count }];
    }),
  );
}

/** Runs every variant against `base`: one at a time, then with `concurrency` clients, in rounds. */
export async function protocolFigures(
  base: URL,
  options: { concurrency: number; secondsPerPhase: number; rounds: number; latencyRounds: number },
): Promise<ProtocolFigures> {
  const { concurrency, secondsPerPhase, rounds, latencyRounds } = options;
  // each variant's clients have their own sessions, so histories grow alike
  const sessions = new Map<string, string[]>();
  for (const variant of VARIANTS) {
    const ids = await Promise.all(
      Array.from({ length: concurrency }, (_, w) =>
        createSession(base, "assistant", `p-${variant.name}-${w}-${crypto.randomUUID()}`),
      ),
    );
    sessions.set(variant.name, ids);
  }
  const latency = await sequentialLatency(base, sessions, latencyRounds);
  const p50 = (name: string) => latency[name]?.p50 ?? Number.NaN;
  const results = new Map<string, LoadResult[]>(VARIANTS.map((v) => [v.name, []]));
  for (const variant of VARIANTS) {
    const warm = await runLoad(concurrency, 1, (w) => variant.request(base, w, sessions.get(variant.name) ?? []));
    if (warm.errors > 0) throw new Error(`${variant.name}: ${warm.errors} failed requests while warming up`);
  }
  // short-lived sessions leave objects to erase behind them: their phases come after the others'
  const groups = [VARIANTS.filter((v) => v.name !== SHORT_LIVED), VARIANTS.filter((v) => v.name === SHORT_LIVED)];
  for (const group of groups) {
    for (let round = 0; round < rounds; round++) {
      for (const variant of shuffled(group)) {
        const ids = sessions.get(variant.name) ?? [];
        const result = await runLoad(concurrency, secondsPerPhase, (w) => variant.request(base, w, ids));
        results.get(variant.name)?.push(result);
      }
    }
  }
  const variants = Object.fromEntries([...results].map(([name, runs]) => [name, merge(runs)]));
  const v = (name: string) => variants[name] as ProtocolFigures["variants"][string];
  return {
    concurrency,
    secondsPerPhase,
    rounds,
    latency,
    latencyRatios: {
      openai: p50("openai") / p50("native"),
      openaiShortLived: p50("openaiShortLived") / p50("native"),
      uiStream: p50("uiStream") / p50("nativeSse"),
      openaiStream: p50("openaiStream") / p50("nativeSse"),
    },
    variants,
    ratios: {
      openaiThroughput: v("openai").turnsPerSecond / v("native").turnsPerSecond,
      openaiP50: v("openai").p50 / v("native").p50,
      openaiShortLivedThroughput: v("openaiShortLived").turnsPerSecond / v("native").turnsPerSecond,
      uiStreamThroughput: v("uiStream").turnsPerSecond / v("nativeSse").turnsPerSecond,
      uiStreamP50: v("uiStream").p50 / v("nativeSse").p50,
      openaiStreamThroughput: v("openaiStream").turnsPerSecond / v("nativeSse").turnsPerSecond,
      openaiStreamP50: v("openaiStream").p50 / v("nativeSse").p50,
    },
  };
}

/** The figures as rows of the bench's table. */
export function protocolRows(figures: ProtocolFigures): string {
  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  const row = (label: string, name: string) => {
    const v = figures.variants[name];
    const one = figures.latency[name];
    return v && one
      ? `| ${label.padEnd(44)} | one at a time p50 ${fmt(one.p50, 2)} ms (p99 ${fmt(one.p99, 2)}); loaded ${fmt(v.turnsPerSecond)} turns/s (p50 ${fmt(v.p50)} ms, ${v.errors} errors) |`
      : "";
  };
  const r = figures.ratios;
  const l = figures.latencyRatios;
  return [
    row("native JSON turn", "native"),
    row("OpenAI chat completion, named session", "openai"),
    row("OpenAI chat completion, short-lived session", "openaiShortLived"),
    row("native SSE turn", "nativeSse"),
    row("UI message stream (useChat)", "uiStream"),
    row("OpenAI streamed completion", "openaiStream"),
    `| OpenAI ÷ native JSON (target within 10%)     | one at a time p50 ×${fmt(l.openai, 2)}; loaded turns/s ×${fmt(r.openaiThroughput, 2)}, p50 ×${fmt(r.openaiP50, 2)} |`,
    `| OpenAI short-lived session ÷ native JSON     | one at a time p50 ×${fmt(l.openaiShortLived, 2)}; loaded turns/s ×${fmt(r.openaiShortLivedThroughput, 2)} (a new object, seeded and erased, per request) |`,
    `| UI stream ÷ native SSE (target within 10%)   | one at a time p50 ×${fmt(l.uiStream, 2)}; loaded turns/s ×${fmt(r.uiStreamThroughput, 2)}, p50 ×${fmt(r.uiStreamP50, 2)} |`,
    `| OpenAI stream ÷ native SSE                   | one at a time p50 ×${fmt(l.openaiStream, 2)}; loaded turns/s ×${fmt(r.openaiStreamThroughput, 2)}, p50 ×${fmt(r.openaiStreamP50, 2)} |`,
  ].join("\n");
}

if (process.argv[1] === import.meta.filename) {
  console.log("building the bundle with wrangler deploy --dry-run ...");
  const script = buildBundle("wrangler.toml", "dist");
  const runtime = await startRuntime({ scriptPath: script, vars: { EDGENT_DEV_MODE: "true" } });
  try {
    const figures = await protocolFigures(runtime.url, {
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
      secondsPerPhase: Number(process.env.BENCH_PHASE_SECONDS ?? 2),
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
      latencyRounds: Number(process.env.BENCH_LATENCY_ROUNDS ?? 100),
    });
    console.log(`\n| measurement | value |\n|---|---|\n${protocolRows(figures)}\n`);
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await runtime.dispose();
  }
}
