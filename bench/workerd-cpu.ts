// CPU time of the workerd process behind a local runtime, read from /proc: the cost per request
// holds on a machine other work keeps busy, where requests/s alone swings by tens of percent.
import { readdirSync, readFileSync } from "node:fs";
import { type Runtime, type RuntimeOptions, startRuntime } from "../test/support/runtime.ts";

const TICK_MS = 1000 / 100; // /proc CPU times are in clock ticks of 10 ms (CLK_TCK 100)

/** The workerd processes this process started (Miniflare runs one per runtime). */
function workerdPids(): Set<number> {
  const pids = new Set<number>();
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, "utf8").trim();
      for (const pid of children ? children.split(" ").map(Number) : []) {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) pids.add(pid);
      }
    }
  } catch {
    // no /proc (not Linux): CPU figures are left out
  }
  return pids;
}

/** A runtime and its workerd's pid, when it can be told apart. */
export async function startWithPid(
  vars: Record<string, string>,
  options: RuntimeOptions = {},
): Promise<{ runtime: Runtime; pid: number | null }> {
  const before = workerdPids();
  const runtime = await startRuntime({ ...options, vars: { ...options.vars, ...vars } });
  const started = [...workerdPids()].filter((pid) => !before.has(pid));
  return { runtime, pid: started.length === 1 ? (started[0] as number) : null };
}

/** CPU time (user + system) of a process so far, in ms. */
export function cpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}
