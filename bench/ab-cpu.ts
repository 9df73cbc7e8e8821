// A/B of workerd CPU per builtin turn between two built bundles (and the bare baseline's per
// request), interleaved in one run: `node bench/ab-cpu.ts A_DIR B_DIR [rounds]` (each DIR holds
// router.js). CPU per request decides throughput on a saturated machine and does not swing with
// other work on it the way requests/s does.
import { resolve } from "node:path";
import type { Runtime } from "../test/support/runtime.ts";
import { AUTH, createSession, runLoad } from "./load.ts";
import { AS_SHIPPED } from "./platform.ts";
import { cpuMs, startWithPid } from "./workerd-cpu.ts";

const [dirA, dirB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 4);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
if (!dirA || !dirB) throw new Error("usage: node bench/ab-cpu.ts A_DIR B_DIR [rounds]");
const CONCURRENCY = 16;
const QUESTION = JSON.stringify({ content: "What is the status of my order?" });

// one at a time: a new workerd is told apart from those already running
const started = [
  await startWithPid(AS_SHIPPED, { scriptPath: resolve(dirA, "router.js") }),
  // AB_VARS_B (JSON): settings B runs with on top, to weigh a setting instead of a build
  await startWithPid(
    { ...AS_SHIPPED, ...(JSON.parse(process.env.AB_VARS_B ?? "{}") as Record<string, string>) },
    { scriptPath: resolve(dirB, "router.js") },
  ),
  await startWithPid(
    {},
    {
      configPath: "bench/baseline/wrangler.toml",
      scriptPath: resolve(import.meta.dirname, "dist-baseline/worker.js"),
      name: "edgent-baseline",
    },
  ),
];
const runtimes: Runtime[] = started.map((s) => s.runtime);
try {
  const sessions = await Promise.all(
    runtimes
      .slice(0, 2)
      .map((runtime) =>
        Promise.all(Array.from({ length: CONCURRENCY }, () => createSession(runtime.url, "assistant"))),
      ),
  );
  const load = (i: number, secs: number) =>
    runLoad(CONCURRENCY, secs, (w) =>
      i === 2
        ? fetch(new URL(`/sessions/obj-${w}/messages`, runtimes[2]?.url), {
            method: "POST",
            headers: AUTH,
            body: QUESTION,
          })
        : fetch(new URL(`/v1/sessions/${sessions[i]?.[w]}/messages`, runtimes[i]?.url), {
            method: "POST",
            headers: AUTH,
            body: QUESTION,
          }),
    );
  for (const i of [0, 1, 2]) await load(i, 1);
  const perRequest: number[][] = [[], [], []];
  const perSecond: number[][] = [[], [], []];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [2, 1, 0] : [0, 1, 2];
    for (const i of order) {
      const before = cpuMs(started[i]?.pid ?? null);
      const result = await load(i, seconds);
      const after = cpuMs(started[i]?.pid ?? null);
      const count = Math.round(result.perSecond * result.seconds);
      if (before !== null && after !== null && count > 0) perRequest[i]?.push((after - before) / count);
      perSecond[i]?.push(result.perSecond);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const figures = ["a", "b", "baseline"].map((name, i) => ({
    name,
    cpuMsPerRequest: median(perRequest[i] ?? []),
    perSecond: median(perSecond[i] ?? []),
  }));
  console.log(
    JSON.stringify(
      { figures, cpuBtoA: (figures[1]?.cpuMsPerRequest ?? 0) / (figures[0]?.cpuMsPerRequest ?? 1) },
      null,
      1,
    ),
  );
} finally {
  await Promise.all(runtimes.map((runtime) => runtime.dispose()));
}
