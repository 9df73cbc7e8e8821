// A/B of delegation through the task queue between two built bundles, interleaved in one run so
// machine noise hits both alike: `node bench/ab-delegation.ts A_DIR B_DIR [rounds]` (each DIR
// holds router.js). Per round and bundle: a few 50-task fan-outs (p50 ms) and tasks/s of 40
// concurrent coordinators × 25 tasks. Prints medians over rounds and the load average.
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { startRuntime } from "../test/support/runtime.ts";
import { delegatedTurn } from "./delegation.ts";
import { stats } from "./load.ts";

const [dirA, dirB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 4);
const fanOuts = Number(process.env.BENCH_FANOUTS ?? 5);
if (!dirA || !dirB) throw new Error("usage: node bench/ab-delegation.ts A_DIR B_DIR [rounds]");
const vars = { EDGENT_DEV_MODE: "true", EDGENT_TURN_WAIT_MS: "300000" };
const runtimes = await Promise.all(
  [dirA, dirB].map((dir) => startRuntime({ scriptPath: resolve(dir, "router.js"), vars })),
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
try {
  // warm both: first turns create objects and JIT the code
  for (const runtime of runtimes) for (const tasks of [1, 10, 50]) await delegatedTurn(runtime.url, tasks);
  const fanOutP50: number[][] = [[], []];
  const tasksPerSecond: number[][] = [[], []];
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0] ?? Number.NaN);
    for (const i of round % 2 ? [1, 0] : [0, 1]) {
      const url = (runtimes[i] as (typeof runtimes)[number]).url;
      const samples: number[] = [];
      for (let n = 0; n < fanOuts; n++) samples.push(await delegatedTurn(url, 50));
      fanOutP50[i]?.push(stats(samples).p50);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 40 }, () => delegatedTurn(url, 25)));
      tasksPerSecond[i]?.push(1000 / ((performance.now() - t0) / 1000));
    }
  }
  const side = (i: number, dir: string) => ({
    dir,
    fanOut50P50Ms: fanOutP50[i]?.map((x) => Math.round(x)),
    fanOut50P50MsMedian: Math.round(median(fanOutP50[i] ?? [])),
    tasksPerSecond: tasksPerSecond[i]?.map((x) => Math.round(x)),
    tasksPerSecondMedian: Math.round(median(tasksPerSecond[i] ?? [])),
  });
  console.log(
    JSON.stringify({ a: side(0, dirA), b: side(1, dirB), loadAverage1m: loads.map((x) => x.toFixed(2)) }, null, 2),
  );
} finally {
  await Promise.all(runtimes.map((runtime) => runtime.dispose()));
}
