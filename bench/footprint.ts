// Footprint per turn for `npm run bench`: workerd CPU (the isolate's own CPU profile, and the
// process's CPU from /proc), SQL rows read and written and bytes stored (from the turn log
// lines' storage footprint, which the session's SQL meter fills), for a plain turn, a turn at
// 2,000 messages of history, and a delegating turn (per task); and the bundle's size.
// Alone: `node bench/footprint.ts` (after a build).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Runtime } from "../test/support/runtime.ts";
import { measureCpu } from "./cpu-profile.ts";
import { freePort } from "./dev-server.ts";
import { AUTH, createSession, stats } from "./load.ts";
import { startWithPid } from "./workerd-cpu.ts";

/** What one unit of work (a turn, or a delegated task) cost. */
export interface UnitFootprint {
  units: number;
  isolateCpuMs: number;
  processCpuMs: number | null;
  sqlRowsRead: number;
  sqlRowsWritten: number;
  /** database growth; null when not measured for this workload */
  bytesStored: number | null;
  /** mean HTTP round trip of one unit run alone: the objects' wall time is within it */
  wallMs: number;
  inputTokens: number;
  outputTokens: number;
}

export interface FootprintFigures {
  plain: UnitFootprint;
  history2000: UnitFootprint;
  /** an escalated turn (local model, then the central one through the tenant's gateway) */
  escalated: UnitFootprint;
  /** a coordinator turn fanning out to `tasks` sub-agents over the queue, per task */
  delegatedTask: UnitFootprint & { tasksPerTurn: number };
  bundle: { files: string[]; bytes: number; gzipBytes: number };
}

interface TurnLine {
  sessionId: string;
  status: string;
  sqlRowsRead?: number;
  sqlRowsWritten?: number;
  sqlDatabaseBytes?: number;
}

function turnLines(logs: readonly string[], from: number, to = logs.length): TurnLine[] {
  const lines: TurnLine[] = [];
  for (const text of logs.slice(from, to)) {
    const start = text.indexOf("{");
    if (start < 0 || !text.includes('"event":"turn"')) continue;
    try {
      const line = JSON.parse(text.slice(start)) as TurnLine & { event: string };
      if (line.event === "turn") lines.push(line);
    } catch {
      // not a log line of ours
    }
  }
  return lines;
}

async function turn(base: URL, sessionId: string, content: string) {
  const t0 = performance.now();
  const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, base), {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ content }),
  });
  const body = (await response.json()) as { usage?: { inputTokens: number; outputTokens: number } };
  if (response.status !== 200) throw new Error(`turn failed: ${response.status} ${JSON.stringify(body)}`);
  return {
    ms: performance.now() - t0,
    inputTokens: body.usage?.inputTokens ?? 0,
    outputTokens: body.usage?.outputTokens ?? 0,
  };
}

/** Growth of each session's database from its first line in `lines` to its last, per turn between. */
function bytesPerTurn(lines: readonly TurnLine[]): number | null {
  const bySession = new Map<string, number[]>();
  for (const line of lines) {
    if (line.sqlDatabaseBytes === undefined) continue;
    const sizes = bySession.get(line.sessionId) ?? [];
    sizes.push(line.sqlDatabaseBytes);
    bySession.set(line.sessionId, sizes);
  }
  let growth = 0;
  let turns = 0;
  for (const sizes of bySession.values()) {
    if (sizes.length < 2) continue;
    growth += (sizes.at(-1) as number) - (sizes[0] as number);
    turns += sizes.length - 1;
  }
  return turns > 0 ? growth / turns : null;
}

const sum = (lines: readonly TurnLine[], key: "sqlRowsRead" | "sqlRowsWritten") =>
  lines.reduce((n, line) => n + (line[key] ?? 0), 0);

/** Runs `units` of work under the profiler, then `wallRounds` alone for the wall time, and reads the turn lines. */
async function measure(
  runtime: Runtime,
  port: number,
  pid: number | null,
  options: {
    units: number;
    work: () => Promise<Array<{ inputTokens: number; outputTokens: number }>>;
    alone: () => Promise<number>;
    wallRounds: number;
    /** which turn lines belong to the work */
    keep: (line: TurnLine) => boolean;
    bytes: (lines: TurnLine[]) => number | null;
  },
): Promise<UnitFootprint> {
  const from = runtime.logs.length;
  let usage: Array<{ inputTokens: number; outputTokens: number }> = [];
  const cpu = await measureCpu(port, "edgent", pid, async () => {
    usage = await options.work();
  });
  // turn lines are written as each turn ends, before its response: all are in by now
  const lines = turnLines(runtime.logs, from).filter(options.keep);
  const walls: number[] = [];
  for (let i = 0; i < options.wallRounds; i++) walls.push(await options.alone());
  const { units } = options;
  return {
    units,
    isolateCpuMs: cpu.isolateMs / units,
    processCpuMs: cpu.processMs === null ? null : cpu.processMs / units,
    sqlRowsRead: sum(lines, "sqlRowsRead") / units,
    sqlRowsWritten: sum(lines, "sqlRowsWritten") / units,
    bytesStored: options.bytes(lines),
    wallMs: stats(walls).mean,
    inputTokens: usage.reduce((n, u) => n + u.inputTokens, 0) / Math.max(1, usage.length),
    outputTokens: usage.reduce((n, u) => n + u.outputTokens, 0) / Math.max(1, usage.length),
  };
}

/** The built bundle's modules as uploaded, raw and gzip-compressed (the Worker size limit's measure). */
export function bundleSize(dir: string): FootprintFigures["bundle"] {
  // the modules wrangler uploads (it also writes a README.md and source maps beside them)
  const files = readdirSync(dir).filter((f) => /\.(m?js|wasm)$/.test(f) && statSync(resolve(dir, f)).isFile());
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(resolve(dir, file));
    bytes += content.length;
    gzipBytes += gzipSync(content).length;
  }
  return { files, bytes, gzipBytes };
}

const QUESTION = "What is the status of my order?";
const TASKS_PER_TURN = 10;

export async function footprintFigures(distDir: string): Promise<FootprintFigures> {
  const port = await freePort();
  const { runtime, pid } = await startWithPid(
    { EDGENT_DEV_MODE: "true", EDGENT_TURN_WAIT_MS: "300000" },
    { inspectorPort: port },
  );
  const base = runtime.url;
  try {
    // plain turns: 8 sessions, 50 turns each after a warm-up
    const plainIds = await Promise.all(Array.from({ length: 8 }, () => createSession(base, "assistant")));
    for (const id of plainIds) for (let i = 0; i < 5; i++) await turn(base, id, QUESTION);
    const spare = await createSession(base, "assistant");
    await turn(base, spare, QUESTION);
    const plainSet = new Set(plainIds);
    const plain = await measure(runtime, port, pid, {
      units: plainIds.length * 50,
      work: async () =>
        (
          await Promise.all(
            plainIds.map(async (id) => {
              const out = [];
              for (let i = 0; i < 50; i++) out.push(await turn(base, id, QUESTION));
              return out;
            }),
          )
        ).flat(),
      alone: async () => (await turn(base, spare, QUESTION)).ms,
      wallRounds: 50,
      keep: (line) => plainSet.has(line.sessionId),
      bytes: bytesPerTurn,
    });

    // 2,000 messages of history: two sessions seeded with 1,000 turns each
    const longIds = await Promise.all(Array.from({ length: 2 }, () => createSession(base, "assistant")));
    const seedFrom = runtime.logs.length;
    await Promise.all(
      longIds.map(async (id) => {
        for (let t = 0; t < 1000; t++) await turn(base, id, `seed message ${t} about the quarterly report`);
      }),
    );
    const longSet = new Set(longIds);
    // storage growth per turn over the 1,000 turns each session took to reach 2,000 messages
    const seededBytes = bytesPerTurn(turnLines(runtime.logs, seedFrom).filter((l) => longSet.has(l.sessionId)));
    const history2000 = await measure(runtime, port, pid, {
      units: 100,
      work: async () =>
        (
          await Promise.all(
            longIds.map(async (id) => {
              const out = [];
              for (let i = 0; i < 50; i++) out.push(await turn(base, id, "How are sales this quarter?"));
              return out;
            }),
          )
        ).flat(),
      alone: async () => (await turn(base, longIds[0] as string, "How are sales this quarter?")).ms,
      wallRounds: 20,
      keep: (line) => longSet.has(line.sessionId),
      bytes: () => seededBytes,
    });

    // escalated turns: `/escalate` sends the turn to the central model through the gateway
    const escIds = await Promise.all(Array.from({ length: 4 }, () => createSession(base, "assistant")));
    for (const id of escIds) await turn(base, id, `/escalate ${QUESTION}`);
    const escSet = new Set(escIds);
    const escalated = await measure(runtime, port, pid, {
      units: escIds.length * 25,
      work: async () =>
        (
          await Promise.all(
            escIds.map(async (id) => {
              const out = [];
              for (let i = 0; i < 25; i++) out.push(await turn(base, id, `/escalate ${QUESTION}`));
              return out;
            }),
          )
        ).flat(),
      alone: async () => (await turn(base, escIds[0] as string, `/escalate ${QUESTION}`)).ms,
      wallRounds: 20,
      keep: (line) => escSet.has(line.sessionId),
      bytes: bytesPerTurn,
    });

    // delegating turns: a new coordinator each time fans out to 10 sub-agents over the queue
    const fanOut = (tag: string) =>
      Array.from({ length: TASKS_PER_TURN }, (_, i) => `/delegate knowledge ${tag} part ${i}`).join("\n");
    const delegatingTurn = async () => {
      const id = await createSession(base, "triage");
      return turn(base, id, fanOut(crypto.randomUUID().slice(0, 8)));
    };
    for (let i = 0; i < 3; i++) await delegatingTurn();
    const coordinators = 10;
    const delegated = await measure(runtime, port, pid, {
      units: coordinators * TASKS_PER_TURN,
      work: async () => {
        const out = [];
        for (let i = 0; i < coordinators; i++) out.push(await delegatingTurn());
        return out;
      },
      alone: async () => (await delegatingTurn()).ms / TASKS_PER_TURN,
      wallRounds: 5,
      keep: () => true,
      // every object is new: what each holds when its last turn ends is what the turn stored
      bytes: (lines) => {
        const last = new Map<string, number>();
        for (const line of lines)
          if (line.sqlDatabaseBytes !== undefined) last.set(line.sessionId, line.sqlDatabaseBytes);
        return [...last.values()].reduce((n, b) => n + b, 0) / (coordinators * TASKS_PER_TURN);
      },
    });
    return {
      plain,
      history2000,
      escalated,
      delegatedTask: { ...delegated, tasksPerTurn: TASKS_PER_TURN },
      bundle: bundleSize(distDir),
    };
  } finally {
    await runtime.dispose();
  }
}

if (process.argv[1] === import.meta.filename) {
  console.log(JSON.stringify(await footprintFigures(resolve(import.meta.dirname, "../dist")), null, 2));
}
