// Governance figures for `npm run bench`: turn throughput with the recommended guardrails on
// against off, in the same runtime and run (two tenants, one with a policy, one without), in
// alternating phases so machine noise hits both alike. Alone: `node bench/governance.ts`.
import { startRuntime } from "../test/support/runtime.ts";
import { type LoadResult, runLoad } from "./load.ts";

/** The built-in guardrails a deployment would turn on for every tenant. */
export const DEFAULT_GUARDRAILS = ["pii", "secrets", "prompt_injection", "output_length"] as const;

export interface GovernanceFigures {
  guardrails: readonly string[];
  off: { turnsPerSecond: number; p50: number; p99: number; turns: number; errors: number };
  on: { turnsPerSecond: number; p50: number; p99: number; turns: number; errors: number };
  ratio: number;
}

const CONTENT = "What is the status of my order? Reach me at jane.doe@example.com or +1 415 555 2671.";

function headers(token: string) {
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}

async function sessions(base: URL, token: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const sessionId = `gov-${i}-${crypto.randomUUID()}`;
      const response = await fetch(new URL("/v1/sessions", base), {
        method: "POST",
        headers: headers(token),
        body: JSON.stringify({ agent: "assistant", sessionId }),
      });
      if (response.status !== 201) throw new Error(`session create failed: ${response.status}`);
      return sessionId;
    }),
  );
}

function merge(runs: readonly LoadResult[]) {
  const turns = runs.reduce((sum, run) => sum + run.count, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const weighted = (key: "p50" | "p99") =>
    runs.reduce((sum, run) => sum + run[key] * run.count, 0) / Math.max(1, turns);
  return {
    turnsPerSecond: turns / seconds,
    p50: weighted("p50"),
    p99: weighted("p99"),
    turns,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
}

export async function governanceFigures(concurrency: number, seconds: number): Promise<GovernanceFigures> {
  // tenant dev runs with the guardrails, tenant dev2 without: the same bundle, objects and load
  const policies = { dev: { guardrails: DEFAULT_GUARDRAILS } };
  const runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_POLICIES: JSON.stringify(policies) } });
  try {
    const on = await sessions(runtime.url, "dev-token", concurrency);
    const off = await sessions(runtime.url, "dev-token-2", concurrency);
    const load = (ids: string[], token: string, length: number) =>
      runLoad(concurrency, length, (worker) =>
        fetch(new URL(`/v1/sessions/${ids[worker]}/messages`, runtime.url), {
          method: "POST",
          headers: headers(token),
          body: JSON.stringify({ content: CONTENT }),
        }),
      );
    await load(on, "dev-token", 1);
    await load(off, "dev-token-2", 1);
    const phases = 8;
    const onRuns: LoadResult[] = [];
    const offRuns: LoadResult[] = [];
    for (let phase = 0; phase < phases; phase++) {
      // alternate which goes first, so neither always runs on a warmer machine
      if (phase % 2 === 0) {
        offRuns.push(await load(off, "dev-token-2", seconds / phases));
        onRuns.push(await load(on, "dev-token", seconds / phases));
      } else {
        onRuns.push(await load(on, "dev-token", seconds / phases));
        offRuns.push(await load(off, "dev-token-2", seconds / phases));
      }
    }
    const withGuardrails = merge(onRuns);
    const without = merge(offRuns);
    return {
      guardrails: DEFAULT_GUARDRAILS,
      off: without,
      on: withGuardrails,
      ratio: withGuardrails.turnsPerSecond / without.turnsPerSecond,
    };
  } finally {
    await runtime.dispose();
  }
}

if (process.argv[1] === import.meta.filename) {
  const figures = await governanceFigures(32, Number(process.env.BENCH_SECONDS ?? 8));
  console.log(`
| guardrails (${figures.guardrails.join(", ")}) | turns/s | p50 ms | p99 ms | turns | errors |
|---|---|---|---|---|---|
| off | ${figures.off.turnsPerSecond.toFixed(1)} | ${figures.off.p50.toFixed(1)} | ${figures.off.p99.toFixed(1)} | ${figures.off.turns} | ${figures.off.errors} |
| on  | ${figures.on.turnsPerSecond.toFixed(1)} | ${figures.on.p50.toFixed(1)} | ${figures.on.p99.toFixed(1)} | ${figures.on.turns} | ${figures.on.errors} |
| on ÷ off (target ≥ 0.9) | ${figures.ratio.toFixed(3)} | | | | |
`);
}
