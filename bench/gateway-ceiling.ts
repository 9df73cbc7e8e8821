// The tenant gateway's ceiling for `npm run bench`: central calls per second through one
// ModelGateway object (and through EDGENT_GATEWAY_SHARDS of them) with the builtin, instant
// provider, driven from inside workerd by bench/gateway/worker.ts; p50/p99 of a call's
// round trip through the gateway (admission, budget, breaker, usage rows, the call).
// Alone: `node bench/gateway-ceiling.ts`.
import { buildBundle, startRuntime } from "../test/support/runtime.ts";
import { type LatencyStats, stats } from "./load.ts";

export interface GatewayRun extends LatencyStats {
  shards: number;
  concurrency: number;
  callsPerSecond: number;
  refusals: Record<string, number>;
}

export interface GatewayCeiling {
  /** the best calls/s one gateway object gave, over the concurrencies tried */
  oneObject: GatewayRun;
  sharded: GatewayRun;
  runs: GatewayRun[];
}

const CONCURRENCIES = [16, 64, 256];

async function burst(base: URL, calls: number, concurrency: number, tenant: string) {
  const url = new URL(`/burst?calls=${calls}&concurrency=${concurrency}&sessions=1000&tenant=${tenant}`, base);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`burst failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as {
    calls: number;
    ms: number;
    latencies: number[];
    refusals: Record<string, number>;
  };
}

export async function gatewayCeiling(calls = 4000, shardCount = 4): Promise<GatewayCeiling> {
  const script = buildBundle("bench/gateway/wrangler.toml", "bench/dist-gateway", "worker.js");
  const runs: GatewayRun[] = [];
  for (const shards of [1, shardCount]) {
    const runtime = await startRuntime({
      configPath: "bench/gateway/wrangler.toml",
      scriptPath: script,
      name: "edgent-gateway-bench",
      vars: { EDGENT_GATEWAY_SHARDS: String(shards) },
    });
    try {
      // warm: the objects are created and the code compiled before anything is timed
      await burst(runtime.url, 500, 32, "warm");
      for (const concurrency of CONCURRENCIES) {
        const tenant = `t-${shards}-${concurrency}`;
        await burst(runtime.url, 200, concurrency, tenant);
        const measured = await burst(runtime.url, calls, concurrency, tenant);
        runs.push({
          shards,
          concurrency,
          callsPerSecond: (measured.calls * 1000) / measured.ms,
          refusals: measured.refusals,
          ...stats(measured.latencies),
        });
      }
    } finally {
      await runtime.dispose();
    }
  }
  const best = (shards: number) =>
    runs.filter((r) => r.shards === shards).reduce((a, b) => (b.callsPerSecond > a.callsPerSecond ? b : a));
  return { oneObject: best(1), sharded: best(shardCount), runs };
}

if (process.argv[1] === import.meta.filename) {
  console.log(JSON.stringify(await gatewayCeiling(), null, 2));
}
