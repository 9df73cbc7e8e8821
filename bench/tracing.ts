// Tracing figures for `npm run bench`: turn throughput with tracing off, on (spans stored in each
// session), and on with OTLP export to a loopback collector, in the same run, interleaved so the
// shared machine's noise hits all alike. Alone: `node bench/tracing.ts` (BENCH_SECONDS per phase).
import { startOtlpReceiver } from "../test/support/otlp-receiver.ts";
import { type Runtime, startRuntime } from "../test/support/runtime.ts";
import { AUTH, createSession, type LoadResult, runLoad } from "./load.ts";

const CONCURRENCY = 32;
const ROUNDS = 4;

export interface TracingFigures {
  off: { turnsPerSecond: number; p50: number; p99: number; errors: number };
  on: { turnsPerSecond: number; p50: number; p99: number; errors: number };
  exported: { turnsPerSecond: number; p50: number; p99: number; errors: number; spansReceived: number };
  /** share of throughput tracing costs: 1 − on ÷ off (target ≤ 0.10) */
  cost: number;
  exportCost: number;
}

async function sessionsOf(runtime: Runtime): Promise<string[]> {
  const ids = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, w) =>
      createSession(runtime.url, "assistant", `trace-${w}-${crypto.randomUUID()}`),
    ),
  );
  return ids;
}

function turnLoad(runtime: Runtime, sessions: string[], seconds: number): Promise<LoadResult> {
  return runLoad(CONCURRENCY, seconds, (w) =>
    fetch(new URL(`/v1/sessions/${sessions[w]}/messages`, runtime.url), {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ content: "What is the status of my order?" }),
    }),
  );
}

/** Several load phases as one: turns/s over their whole time, the median phase's latencies. */
function combine(phases: LoadResult[]) {
  const count = phases.reduce((n, p) => n + p.count, 0);
  const seconds = phases.reduce((n, p) => n + p.seconds, 0);
  const sorted = [...phases].sort((a, b) => a.p50 - b.p50);
  const middle = sorted[Math.floor(sorted.length / 2)] as LoadResult;
  return {
    turnsPerSecond: count / seconds,
    p50: middle.p50,
    p99: middle.p99,
    errors: phases.reduce((n, p) => n + p.errors, 0),
  };
}

export async function tracingFigures(secondsPerPhase: number): Promise<TracingFigures> {
  const receiver = await startOtlpReceiver("ok");
  const base = { EDGENT_DEV_MODE: "true" };
  const off = await startRuntime({ vars: { ...base, EDGENT_TRACING: "off" } });
  const on = await startRuntime({ vars: base });
  const exporting = await startRuntime({ vars: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  try {
    const runtimes = [off, on, exporting];
    const sessions = await Promise.all(runtimes.map(sessionsOf));
    // warm all three: first turns create objects and JIT the code
    for (const [i, runtime] of runtimes.entries()) await turnLoad(runtime, sessions[i] as string[], 1);
    const phases: LoadResult[][] = [[], [], []];
    // interleaved, and each round in another order, so drift and noise hit all three alike
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) {
        phases[i]?.push(await turnLoad(runtimes[i] as Runtime, sessions[i] as string[], secondsPerPhase / ROUNDS));
      }
    }
    const [offFigures, onFigures, exportFigures] = phases.map(combine) as [
      ReturnType<typeof combine>,
      ReturnType<typeof combine>,
      ReturnType<typeof combine>,
    ];
    return {
      off: offFigures,
      on: onFigures,
      exported: { ...exportFigures, spansReceived: receiver.spans.length },
      cost: 1 - onFigures.turnsPerSecond / offFigures.turnsPerSecond,
      exportCost: 1 - exportFigures.turnsPerSecond / offFigures.turnsPerSecond,
    };
  } finally {
    await Promise.all([off.dispose(), on.dispose(), exporting.dispose()]);
    await receiver.close();
  }
}

if (process.argv[1] === import.meta.filename) {
  const figures = await tracingFigures(Number(process.env.BENCH_SECONDS ?? 8) * 2);
  console.log(JSON.stringify(figures, null, 2));
}
