// A/B of delegation through the task queue between two built bundles, interleaved in one run so
// machine noise hits both alike: `node bench/ab-delegation.ts A_DIR B_DIR [rounds]` (each DIR
// holds router.js). Per round and bundle: a few 50-task fan-outs (p50 ms) and tasks/s of 40
// (BENCH_COORDINATORS) concurrent coordinators × 25 tasks. Prints medians over rounds and the load average.
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { startRuntime } from "../test/support/runtime.ts";
import { delegatedTurn } from "./delegation.ts";
import { stats } from "./load.ts";

const [dirA, dirB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 4);
const fanOuts = Number(process.env.BENCH_FANOUTS ?? 5);
if (!dirA || !dirB) throw new Error("usage: node bench/ab-delegation.ts A_DIR B_DIR [rounds]");
// a loaded machine can take longer than the default deadlines: this measures speed, not deadlines
const vars = { EDGENT_DEV_MODE: "true", EDGENT_TURN_WAIT_MS: "300000", EDGENT_TASK_TIMEOUT_MS: "600000" };
const coordinators = Number(process.env.BENCH_COORDINATORS ?? 40);
const runtimes = await Promise.all(
  [dirA, dirB].map((dir) => startRuntime({ scriptPath: resolve(dir, "router.js"), vars })),
);
/**
 * CPU time (user + system, ms) used so far by this process's workerd children: a figure other
 * engineers' load on the shared machine barely moves, unlike wall time. Only the runtime being
 * measured is busy, so the delta over a phase is that runtime's.
 */
function workerdCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // fields after the command name: state ppid ... utime(14) stime(15), counted from 1
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (comm === "workerd" && Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
try {
  // warm both: first turns create objects and JIT the code
  for (const runtime of runtimes) for (const tasks of [1, 10, 50]) await delegatedTurn(runtime.url, tasks);
  const fanOutP50: number[][] = [[], []];
  const tasksPerSecond: number[][] = [[], []];
  const cpuPerTask: number[][] = [[], []];
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0] ?? Number.NaN);
    for (const i of round % 2 ? [1, 0] : [0, 1]) {
      const url = (runtimes[i] as (typeof runtimes)[number]).url;
      const samples: number[] = [];
      const cpu0 = workerdCpuMs();
      for (let n = 0; n < fanOuts; n++) samples.push(await delegatedTurn(url, 50));
      fanOutP50[i]?.push(stats(samples).p50);
      cpuPerTask[i]?.push((workerdCpuMs() - cpu0) / (fanOuts * 50));
      const t0 = performance.now();
      await Promise.all(Array.from({ length: coordinators }, () => delegatedTurn(url, 25)));
      tasksPerSecond[i]?.push((coordinators * 25) / ((performance.now() - t0) / 1000));
    }
  }
  const side = (i: number, dir: string) => ({
    dir,
    fanOut50P50Ms: fanOutP50[i]?.map((x) => Math.round(x)),
    fanOut50P50MsMedian: Math.round(median(fanOutP50[i] ?? [])),
    tasksPerSecond: tasksPerSecond[i]?.map((x) => Math.round(x)),
    tasksPerSecondMedian: Math.round(median(tasksPerSecond[i] ?? [])),
    workerdCpuMsPerTask: cpuPerTask[i]?.map((x) => Number(x.toFixed(2))),
    workerdCpuMsPerTaskMedian: Number(median(cpuPerTask[i] ?? []).toFixed(2)),
  });
  console.log(
    JSON.stringify({ a: side(0, dirA), b: side(1, dirB), loadAverage1m: loads.map((x) => x.toFixed(2)) }, null, 2),
  );
} finally {
  await Promise.all(runtimes.map((runtime) => runtime.dispose()));
}
