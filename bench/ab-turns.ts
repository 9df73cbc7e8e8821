// A/B of builtin-turn throughput between two built bundles, interleaved in one run so machine
// noise hits both alike: `node bench/ab-turns.ts A_DIR B_DIR [rounds]` (each DIR holds router.js).
import { resolve } from "node:path";
import { startRuntime } from "../test/support/runtime.ts";
import { createSession, runLoad } from "./load.ts";

const [dirA, dirB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 4);
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
if (!dirA || !dirB) throw new Error("usage: node bench/ab-turns.ts A_DIR B_DIR [rounds]");
const CONCURRENCY = 32;
const runtimes = await Promise.all(
  [dirA, dirB].map((dir) => startRuntime({ scriptPath: resolve(dir, "router.js"), vars: { EDGENT_DEV_MODE: "true" } })),
);
try {
  const sessions = await Promise.all(
    runtimes.map((runtime) =>
      Promise.all(Array.from({ length: CONCURRENCY }, () => createSession(runtime.url, "assistant"))),
    ),
  );
  const load = (i: number, secs: number) =>
    runLoad(CONCURRENCY, secs, (w) =>
      fetch(new URL(`/v1/sessions/${sessions[i]?.[w]}/messages`, runtimes[i]?.url), {
        method: "POST",
        headers: { authorization: "Bearer dev-token", "content-type": "application/json" },
        body: JSON.stringify({ content: "What is the status of my order?" }),
      }),
    );
  await load(0, 1);
  await load(1, 1);
  const perSecond: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 ? [1, 0] : [0, 1]) perSecond[i]?.push((await load(i, seconds)).perSecond);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const [a, b] = [median(perSecond[0] ?? []), median(perSecond[1] ?? [])];
  console.log(
    JSON.stringify(
      {
        a: { dir: dirA, perSecond: perSecond[0], median: a },
        b: { dir: dirB, perSecond: perSecond[1], median: b },
        ratioBtoA: b / a,
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(runtimes.map((runtime) => runtime.dispose()));
}
