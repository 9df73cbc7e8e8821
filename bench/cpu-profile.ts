// workerd's own CPU profile over the V8 inspector: how much CPU time the worker's isolate (router
// and Durable Objects alike) spent while a workload ran, from the sampled profile.
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** CPU a workload took: the isolate's sampled non-idle time, and the workerd process's CPU (/proc). */
export interface CpuTaken {
  /** isolate time in JS and GC in the profile (native calls made from JS count with their caller) */
  isolateMs: number;
  /** user + system time of the whole workerd process (SQLite, I/O, serialisation included), or null off Linux */
  processMs: number | null;
  wallMs: number;
}

/** A free loopback port for the inspector. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The workerd processes this process started (Miniflare runs one per runtime). */
export function workerdPids(): Set<number> {
  const pids = new Set<number>();
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, "utf8").trim();
      for (const pid of children ? children.split(" ").map(Number) : []) {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) pids.add(pid);
      }
    }
  } catch {
    // no /proc (not Linux): process CPU is left out
  }
  return pids;
}

/** CPU time (user + system) of a process so far, in ms; clock ticks are 10 ms. */
function processCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Profiles the isolate named `title` at `inspectorPort` while `work` runs. */
export async function measureCpu(
  inspectorPort: number,
  title: string,
  pid: number | null,
  work: () => Promise<void>,
): Promise<CpuTaken> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
    title: string;
  }>;
  const target = targets.find((t) => t.title.includes(title)) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.once("open", resolve));
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = <T>(method: string, params = {}) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("Profiler.enable");
    // coarse sampling: the profiler's own cost stays small next to a turn's
    await call("Profiler.setSamplingInterval", { interval: 500 });
    await call("Profiler.start");
    const cpuBefore = processCpuMs(pid);
    const t0 = performance.now();
    await work();
    const wallMs = performance.now() - t0;
    const cpuAfter = processCpuMs(pid);
    const { profile } = await call<{ profile: Profile }>("Profiler.stop");
    // workerd does not tell V8 when it idles: waiting shows as "(program)" as well as "(idle)"
    const idle = new Set(
      profile.nodes
        .filter((n) => n.callFrame.functionName === "(idle)" || n.callFrame.functionName === "(program)")
        .map((n) => n.id),
    );
    let busyMicros = 0;
    // each sample stands for the time since the one before it
    profile.samples.forEach((node, i) => {
      if (!idle.has(node)) busyMicros += profile.timeDeltas[i] ?? 0;
    });
    return {
      isolateMs: busyMicros / 1000,
      processMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      wallMs,
    };
  } finally {
    socket.close();
  }
}
