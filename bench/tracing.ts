// Tracing figures for `npm run bench`: turns with tracing off, on (spans kept in each session),
// and on with OTLP export to a loopback collector, in the same run and interleaved, plus
// delegation (every task a new sub-agent object) off and on. Each runtime's workerd CPU time is
// read from /proc, so the cost per turn holds even on a machine other work keeps busy, where
// turns/s alone swings by tens of percent. Alone: `node bench/tracing.ts` (BENCH_SECONDS).
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { startOtlpReceiver } from "../test/support/otlp-receiver.ts";
import type { Runtime } from "../test/support/runtime.ts";
import { AUTH, createSession, type LoadResult, runLoad } from "./load.ts";
import { cpuMs, startWithPid } from "./workerd-cpu.ts";

const CONCURRENCY = 32;
// many short interleaved rounds: the cost is the median of each round's ratio, robust to drift
const ROUNDS = 12;

/** One configuration's figures over all its phases. */
export interface TracingPhase {
  turnsPerSecond: number;
  /** workerd CPU per turn, the cost that decides throughput on a saturated machine */
  cpuMsPerTurn: number | null;
  p50: number;
  p99: number;
  errors: number;
}

export interface TracingFigures {
  off: TracingPhase;
  on: TracingPhase;
  exported: TracingPhase & { spansReceived: number };
  /**
   * tracing's cost (target ≤ 0.10), the median over rounds of each round's ratio: CPU per turn
   * on ÷ off − 1, and turns/s 1 − on ÷ off
   */
  cost: { cpu: number | null; throughput: number };
  exportCost: { cpu: number | null; throughput: number };
  rounds: number;
  /** the tracer's own CPU per plain turn, measured alone in Node (bench/tracer-cost.ts) */
  isolated: { tracerMicrosPerTurn: number; shareOfTurnCpu: number | null };
  delegation: {
    coordinators: number;
    tasksEach: number;
    off: { tasksPerSecond: number; cpuMsPerTask: number | null };
    on: { tasksPerSecond: number; cpuMsPerTask: number | null };
    cost: { cpu: number | null; throughput: number };
  };
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

type Measured = { load: LoadResult; cpu: number | null };

function combine(phases: Measured[]): TracingPhase {
  const count = phases.reduce((n, p) => n + p.load.count, 0);
  const seconds = phases.reduce((n, p) => n + p.load.seconds, 0);
  const cpu = phases.every((p) => p.cpu !== null) ? phases.reduce((n, p) => n + (p.cpu ?? 0), 0) : null;
  const sorted = [...phases].sort((a, b) => a.load.p50 - b.load.p50);
  const middle = (sorted[Math.floor(sorted.length / 2)] as Measured).load;
  return {
    turnsPerSecond: count / seconds,
    cpuMsPerTurn: cpu === null ? null : cpu / count,
    p50: middle.p50,
    p99: middle.p99,
    errors: phases.reduce((n, p) => n + p.load.errors, 0),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median over rounds of one configuration's cost against another's in the same round. */
function costOf(on: readonly Measured[], off: readonly Measured[]) {
  const cpuRatios = on.flatMap((phase, i) => {
    const other = off[i] as Measured;
    return phase.cpu !== null && other.cpu ? [phase.cpu / phase.load.count / (other.cpu / other.load.count) - 1] : [];
  });
  return {
    cpu: cpuRatios.length === on.length ? median(cpuRatios) : null,
    throughput: median(on.map((phase, i) => 1 - phase.load.perSecond / (off[i] as Measured).load.perSecond)),
  };
}

async function turnFigures(secondsPerPhase: number, receiverUrl: string) {
  const base = { EDGENT_DEV_MODE: "true" };
  const started = [
    await startWithPid({ ...base, EDGENT_TRACING: "off" }),
    await startWithPid(base),
    await startWithPid({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl }),
  ];
  try {
    const sessions = await Promise.all(
      started.map(({ runtime }) =>
        Promise.all(
          Array.from({ length: CONCURRENCY }, (_, w) =>
            createSession(runtime.url, "assistant", `trace-${w}-${crypto.randomUUID()}`),
          ),
        ),
      ),
    );
    // warm all three: first turns create objects and JIT the code
    for (const [i, { runtime }] of started.entries()) await turnLoad(runtime, sessions[i] as string[], 1);
    const phases: Measured[][] = [[], [], []];
    // interleaved, each round in another order, so drift and noise hit all three alike
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of round % 2 === 0 ? [0, 1, 2] : [2, 1, 0]) {
        const { runtime, pid } = started[i] as { runtime: Runtime; pid: number | null };
        const cpuBefore = cpuMs(pid);
        const load = await turnLoad(runtime, sessions[i] as string[], secondsPerPhase / ROUNDS);
        // the export's flushes run after the responses: give them a moment to count
        await new Promise((resolve) => setTimeout(resolve, 200));
        const cpuAfter = cpuMs(pid);
        phases[i]?.push({ load, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore });
      }
    }
    return phases;
  } finally {
    await Promise.all(started.map(({ runtime }) => runtime.dispose()));
  }
}

/** Coordinators fanning out at once: seconds until every reply is in, and the workerd CPU it took. */
async function fanOutRound(runtime: Runtime, pid: number | null, coordinators: number, tasksEach: number) {
  const sessions = await Promise.all(Array.from({ length: coordinators }, () => createSession(runtime.url, "triage")));
  const cpuBefore = cpuMs(pid);
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (sessionId, i) => {
      const content = Array.from(
        { length: tasksEach },
        (_, j) => `/delegate ${j % 2 ? "billing" : "knowledge"} t-${i}-${j}`,
      ).join("\n");
      const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, runtime.url), {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ content }),
      });
      const body = (await response.json()) as { reply?: { content: string } };
      if (response.status !== 200 || !body.reply?.content.includes(`t-${i}-${tasksEach - 1}`)) {
        throw new Error(`fan-out turn failed: ${response.status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = cpuMs(pid);
  return { seconds, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

export async function tracedDelegation(rounds: number): Promise<TracingFigures["delegation"]> {
  const coordinators = 10;
  const tasksEach = 10;
  const vars = { EDGENT_DEV_MODE: "true", EDGENT_TURN_WAIT_MS: "300000" };
  const runtimes = { off: await startWithPid({ ...vars, EDGENT_TRACING: "off" }), on: await startWithPid(vars) };
  try {
    for (const { runtime, pid } of Object.values(runtimes)) await fanOutRound(runtime, pid, 2, 5);
    const totals = { off: { seconds: 0, cpu: 0 as number | null }, on: { seconds: 0, cpu: 0 as number | null } };
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
        const { runtime, pid } = runtimes[which];
        const measured = await fanOutRound(runtime, pid, coordinators, tasksEach);
        const total = totals[which];
        total.seconds += measured.seconds;
        total.cpu = total.cpu === null || measured.cpu === null ? null : total.cpu + measured.cpu;
      }
    }
    const tasks = rounds * coordinators * tasksEach;
    const figures = (which: "off" | "on") => ({
      tasksPerSecond: tasks / totals[which].seconds,
      cpuMsPerTask: totals[which].cpu === null ? null : (totals[which].cpu as number) / tasks,
    });
    const off = figures("off");
    const on = figures("on");
    return {
      coordinators,
      tasksEach,
      off,
      on,
      cost: {
        cpu: on.cpuMsPerTask !== null && off.cpuMsPerTask ? on.cpuMsPerTask / off.cpuMsPerTask - 1 : null,
        throughput: 1 - on.tasksPerSecond / off.tasksPerSecond,
      },
    };
  } finally {
    await Promise.all(Object.values(runtimes).map(({ runtime }) => runtime.dispose()));
  }
}

/** Runs bench/tracer-cost.ts in Node (with the source's extensionless imports resolved). */
function tracerCost(): { tracerMicrosPerTurn: number } {
  const here = import.meta.dirname;
  const output = execFileSync(
    process.execPath,
    [
      "--experimental-transform-types",
      "--no-warnings",
      "--import",
      resolve(here, "register-ts.mjs"),
      resolve(here, "tracer-cost.ts"),
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { tracerMicrosPerTurn: number };
}

export async function tracingFigures(secondsPerPhase: number): Promise<TracingFigures> {
  const receiver = await startOtlpReceiver("ok");
  try {
    const [off = [], on = [], exported = []] = await turnFigures(secondsPerPhase, receiver.url);
    const isolated = tracerCost();
    const offFigures = combine(off);
    return {
      isolated: {
        tracerMicrosPerTurn: isolated.tracerMicrosPerTurn,
        shareOfTurnCpu: offFigures.cpuMsPerTurn ? isolated.tracerMicrosPerTurn / 1000 / offFigures.cpuMsPerTurn : null,
      },
      off: offFigures,
      on: combine(on),
      exported: { ...combine(exported), spansReceived: receiver.spans.length },
      cost: costOf(on, off),
      exportCost: costOf(exported, off),
      rounds: ROUNDS,
      delegation: await tracedDelegation(4),
    };
  } finally {
    await receiver.close();
  }
}

if (process.argv[1] === import.meta.filename) {
  const figures = await tracingFigures(Number(process.env.BENCH_SECONDS ?? 8) * 2);
  console.log(JSON.stringify(figures, null, 2));
}
