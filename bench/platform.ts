// How close a turn comes to the bare platform, for `npm run bench` (`node bench/platform.ts`
// runs only this part): builtin turns/s against a bare worker → Durable Object → one SQLite
// insert under the Miniflare API and under `wrangler dev`, phases alternating in one run; a
// WebSocket turn round trip against a bare Durable Object echo; a brand-new session's first
// turn against a warm one. The runtime runs as it ships: tracing on, the recommended guardrails on.
import { buildBundle, type Runtime } from "../test/support/runtime.ts";
import { startDevServer } from "./dev-server.ts";
import { AUTH, createSession, type LatencyStats, runLoad, stats } from "./load.ts";
import { wsRoundTrips } from "./realtime.ts";
import { cpuMs, startWithPid } from "./workerd-cpu.ts";

const CONCURRENCY = 32;

/** The configuration measured: the recommended guardrails on every tenant, tracing at its default (on). */
export const AS_SHIPPED: Record<string, string> = {
  EDGENT_DEV_MODE: "true",
  EDGENT_POLICIES: JSON.stringify({ "*": { guardrails: ["pii", "secrets", "prompt_injection", "output_length"] } }),
};

const QUESTION = JSON.stringify({ content: "What is the status of my order?" });

/** Turns/s of the product against the baseline's requests/s, alternating phases. */
export interface Ratio {
  baseline: number[];
  product: number[];
  /** median product ÷ median baseline */
  ratio: number;
  productP50: number;
  baselineP50: number;
  /** workerd CPU per turn and per baseline request (Miniflare API only: one process each) */
  cpuMsPerTurn?: number;
  cpuMsPerBaselineRequest?: number;
}

/** Where a server runs, and its workerd's pid when CPU can be read. */
interface Server {
  url: URL;
  pid: number | null;
}

/** Everything this part measures. */
export interface PlatformFigures {
  miniflare: Ratio;
  wranglerDev: Ratio | { error: string };
  ws: { turn: LatencyStats; echo: LatencyStats; ratio: number };
  firstTurn: {
    cold: LatencyStats;
    warm: LatencyStats;
    ratio: number;
    /** the bare platform's floor: a request creating a new baseline object ÷ one to a warm object */
    bare: { cold: LatencyStats; warm: LatencyStats; ratio: number };
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Alternates load phases on the product and the baseline (servers at `product` and `baseline`). */
async function ratioOf(productServer: Server, baselineServer: Server, rounds: number, seconds: number): Promise<Ratio> {
  const [product, baseline] = [productServer.url, baselineServer.url];
  const sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => createSession(product, "assistant")));
  const onProduct = (secs: number) =>
    runLoad(CONCURRENCY, secs, (w) =>
      fetch(new URL(`/v1/sessions/${sessions[w]}/messages`, product), {
        method: "POST",
        headers: AUTH,
        body: QUESTION,
      }),
    );
  const onBaseline = (secs: number) =>
    runLoad(CONCURRENCY, secs, (w) =>
      fetch(new URL(`/sessions/obj-${w}/messages`, baseline), { method: "POST", headers: AUTH, body: QUESTION }),
    );
  // warm both: first requests create objects and JIT the code
  await onProduct(1);
  await onBaseline(1);
  const result = {
    baseline: [] as number[],
    product: [] as number[],
    p50: [] as number[],
    baseP50: [] as number[],
    cpu: [] as number[],
    baseCpu: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? ["product", "baseline"] : ["baseline", "product"]) {
      const server = side === "product" ? productServer : baselineServer;
      const before = cpuMs(server.pid);
      const load = side === "product" ? await onProduct(seconds) : await onBaseline(seconds);
      const after = cpuMs(server.pid);
      if (load.errors > 0) throw new Error(`${side}: ${load.errors} requests failed`);
      const perRequest = before !== null && after !== null ? (after - before) / load.count : null;
      if (side === "product") {
        result.product.push(load.perSecond);
        result.p50.push(load.p50);
        if (perRequest !== null) result.cpu.push(perRequest);
      } else {
        result.baseline.push(load.perSecond);
        result.baseP50.push(load.p50);
        if (perRequest !== null) result.baseCpu.push(perRequest);
      }
    }
  }
  return {
    baseline: result.baseline,
    product: result.product,
    ratio: median(result.product) / median(result.baseline),
    productP50: median(result.p50),
    baselineP50: median(result.baseP50),
    ...(result.cpu.length ? { cpuMsPerTurn: median(result.cpu) } : {}),
    ...(result.baseCpu.length ? { cpuMsPerBaselineRequest: median(result.baseCpu) } : {}),
  };
}

/** A request that creates a new baseline object against one to a warm object, interleaved. */
async function newObjects(baseline: URL, count: number): Promise<PlatformFigures["firstTurn"]["bare"]> {
  const hit = async (key: string) => {
    const response = await fetch(new URL(`/sessions/${key}/messages`, baseline), { method: "POST", body: QUESTION });
    await response.arrayBuffer();
  };
  for (let i = 0; i < 10; i++) await hit("warm");
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await hit(`new-${crypto.randomUUID()}`);
    cold.push(performance.now() - t0);
    const t1 = performance.now();
    await hit("warm");
    warm.push(performance.now() - t1);
  }
  const [c, w] = [stats(cold), stats(warm)];
  return { cold: c, warm: w, ratio: c.p50 / w.p50 };
}

/** A brand-new session's first turn (creating it included) against a warm session's turn, interleaved. */
async function firstTurns(product: URL, baseline: URL, count: number): Promise<PlatformFigures["firstTurn"]> {
  const warmId = await createSession(product, "assistant");
  const say = (sessionId: string) =>
    fetch(new URL(`/v1/sessions/${sessionId}/messages`, product), { method: "POST", headers: AUTH, body: QUESTION });
  for (let i = 0; i < 10; i++) await (await say(warmId)).arrayBuffer();
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const sessionId = await createSession(product, "assistant");
    const first = await say(sessionId);
    await first.arrayBuffer();
    if (!first.ok) throw new Error(`first turn failed: ${first.status}`);
    cold.push(performance.now() - t0);
    const t1 = performance.now();
    await (await say(warmId)).arrayBuffer();
    warm.push(performance.now() - t1);
  }
  const [c, w] = [stats(cold), stats(warm)];
  return { cold: c, warm: w, ratio: c.p50 / w.p50, bare: await newObjects(baseline, count) };
}

/** Measures every figure of this part; `seconds` is each load phase's length. */
export async function platformFigures(
  seconds: number,
  rounds = 3,
  scripts?: { product: string; baseline: string },
): Promise<PlatformFigures> {
  const productScript = scripts?.product ?? buildBundle("wrangler.toml", "dist");
  const baselineScript =
    scripts?.baseline ?? buildBundle("bench/baseline/wrangler.toml", "bench/dist-baseline", "worker.js");
  let miniflare: Ratio;
  let ws: PlatformFigures["ws"];
  let firstTurn: PlatformFigures["firstTurn"];
  const runtimes: Runtime[] = [];
  try {
    // one at a time: a new workerd is told apart from those already running
    const product = await startWithPid(AS_SHIPPED, { scriptPath: productScript });
    runtimes.push(product.runtime);
    const baseline = await startWithPid(
      {},
      { configPath: "bench/baseline/wrangler.toml", scriptPath: baselineScript, name: "edgent-baseline" },
    );
    runtimes.push(baseline.runtime);
    miniflare = await ratioOf(
      { url: product.runtime.url, pid: product.pid },
      { url: baseline.runtime.url, pid: baseline.pid },
      rounds,
      seconds,
    );
    const trips = await wsRoundTrips(product.runtime.url, baseline.runtime.url, 200);
    ws = { ...trips, ratio: trips.turn.p50 / trips.echo.p50 };
    firstTurn = await firstTurns(product.runtime.url, baseline.runtime.url, 40);
  } finally {
    await Promise.all(runtimes.map((runtime) => runtime.dispose()));
  }
  let wranglerDev: PlatformFigures["wranglerDev"];
  const servers = [];
  try {
    servers.push(await startDevServer("wrangler.toml", AS_SHIPPED));
    servers.push(await startDevServer("bench/baseline/wrangler.toml"));
    const [product, baseline] = servers;
    wranglerDev =
      product && baseline
        ? await ratioOf({ url: product.url, pid: null }, { url: baseline.url, pid: null }, rounds, seconds)
        : { error: "not started" };
  } catch (error) {
    wranglerDev = { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return { miniflare, wranglerDev, ws, firstTurn };
}

/** The table rows of this part. */
export function platformRows(figures: PlatformFigures): string[] {
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const ratioRow = (label: string, r: Ratio | { error: string }, target: string) =>
    "error" in r
      ? `| ${label} | not measured: ${r.error.slice(0, 120)} |`
      : `| ${label} | ${f(median(r.product))} turns/s ÷ ${f(median(r.baseline))} req/s = ${f(r.ratio, 2)} (target ≥ ${target}) |`;
  return [
    ratioRow("turns ÷ bare baseline, Miniflare API (tracing + guardrails on)", figures.miniflare, "0.8"),
    ratioRow("turns ÷ bare baseline, wrangler dev (tracing + guardrails on)", figures.wranglerDev, "0.6"),
    `| workerd CPU per turn ÷ per bare request (Miniflare API) | ${figures.miniflare.cpuMsPerTurn?.toFixed(2) ?? "n/a"} ÷ ${figures.miniflare.cpuMsPerBaselineRequest?.toFixed(2) ?? "n/a"} ms |`,
    `| WebSocket turn ÷ bare echo, p50 | ${f(figures.ws.turn.p50, 2)} ÷ ${f(figures.ws.echo.p50, 2)} ms = ${f(figures.ws.ratio, 2)} (target ≤ 3) |`,
    `| first turn of a new session ÷ warm turn, p50 | ${f(figures.firstTurn.cold.p50, 2)} ÷ ${f(figures.firstTurn.warm.p50, 2)} ms = ${f(figures.firstTurn.ratio, 2)} (target ≤ 2) |`,
    `| bare platform: request creating a new object ÷ to a warm one, p50 | ${f(figures.firstTurn.bare.cold.p50, 2)} ÷ ${f(figures.firstTurn.bare.warm.p50, 2)} ms = ${f(figures.firstTurn.bare.ratio, 2)} |`,
  ];
}

if (process.argv[1] === import.meta.filename) {
  const figures = await platformFigures(Number(process.env.BENCH_SECONDS ?? 6));
  console.log(platformRows(figures).join("\n"));
  console.log(JSON.stringify(figures));
}
