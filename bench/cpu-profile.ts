// workerd's own CPU profile over the V8 inspector: how much CPU time the worker's isolate (router
// and Durable Objects alike) spent while a workload ran, from the sampled profile.
import WebSocket from "ws";
import { cpuMs } from "./workerd-cpu.ts";

/** A node of V8's CPU profile. */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** V8's CPU profile, as the inspector's Profiler.stop returns it. */
export interface Profile {
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

/**
 * Records V8's CPU profile of the isolate named `title` (workerd's inspector at `inspectorPort`)
 * while `work` runs, sampling every `intervalMicros`.
 */
export async function recordProfile<T>(
  inspectorPort: number,
  title: string,
  intervalMicros: number,
  work: () => Promise<T>,
): Promise<{ profile: Profile; result: T }> {
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
  const call = <R>(method: string, params = {}) =>
    new Promise<R>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: intervalMicros });
    await call("Profiler.start");
    const result = await work();
    const { profile } = await call<{ profile: Profile }>("Profiler.stop");
    return { profile, result };
  } finally {
    socket.close();
  }
}

/** Profiles the isolate named `title` at `inspectorPort` while `work` runs. */
export async function measureCpu(
  inspectorPort: number,
  title: string,
  pid: number | null,
  work: () => Promise<void>,
): Promise<CpuTaken> {
  let cpuBefore: number | null = null;
  let wallMs = 0;
  let cpuAfter: number | null = null;
  // coarse sampling: the profiler's own cost stays small next to a turn's
  const { profile } = await recordProfile(inspectorPort, title, 500, async () => {
    cpuBefore = cpuMs(pid);
    const t0 = performance.now();
    await work();
    wallMs = performance.now() - t0;
    cpuAfter = cpuMs(pid);
  });
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
  const [before, after] = [cpuBefore as number | null, cpuAfter as number | null];
  return { isolateMs: busyMicros / 1000, processMs: before === null || after === null ? null : after - before, wallMs };
}
