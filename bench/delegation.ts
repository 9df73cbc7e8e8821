// Delegation figures for `npm run bench`: time from message to final reply for a coordinator
// fanning out to 1, 10 and 50 sub-agents through the task queue, the same work by direct
// object-to-object RPC (no queue), and tasks/s through the queue under concurrent coordinators.
// Alone: `node bench/delegation.ts`.
import { startRuntime } from "../test/support/runtime.ts";
import { AUTH, createSession, type LatencyStats, stats } from "./load.ts";

export const FAN_OUTS = [1, 10, 50] as const;

export interface DelegationFigures {
  /** per fan-out: message → final reply through the queue, and by direct RPC */
  fanOut: Array<{ tasks: number; queue: LatencyStats; direct: LatencyStats }>;
  throughput: { coordinators: number; tasksEach: number; tasks: number; seconds: number; tasksPerSecond: number };
}

/** A coordinator message fanning out to `tasks` sub-agents, alternating billing and knowledge. */
function fanOutMessage(tasks: number, tag: string): string {
  return Array.from({ length: tasks }, (_, i) => `/delegate ${i % 2 ? "billing" : "knowledge"} ${tag}-${i}`).join("\n");
}

/** One coordinator turn; checks every sub-agent's result is in the reply. */
export async function delegatedTurn(base: URL, tasks: number): Promise<number> {
  const sessionId = await createSession(base, "triage");
  const tag = crypto.randomUUID().slice(0, 8);
  const t0 = performance.now();
  const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, base), {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ content: fanOutMessage(tasks, tag) }),
  });
  const body = (await response.json()) as { reply?: { content: string } };
  const ms = performance.now() - t0;
  if (response.status !== 200) throw new Error(`turn failed: ${response.status} ${JSON.stringify(body)}`);
  for (let i = 0; i < tasks; i++) {
    if (!body.reply?.content.includes(`${tag}-${i}`)) {
      throw new Error(`result ${i} of ${tasks} missing from the reply: ${body.reply?.content.slice(0, 300)}`);
    }
  }
  return ms;
}

export async function delegationFigures(rounds: number): Promise<DelegationFigures> {
  // a loaded machine can take longer than the default wait for a whole fan-out: wait for the reply
  const vars = { EDGENT_DEV_MODE: "true", EDGENT_TURN_WAIT_MS: "300000" };
  const queue = await startRuntime({ vars });
  const direct = await startRuntime({ vars: { ...vars, EDGENT_DELEGATION_TRANSPORT: "direct" } });
  try {
    const fanOut: DelegationFigures["fanOut"] = [];
    // warm both: first turns create objects and JIT the code
    for (const runtime of [queue, direct]) for (const tasks of FAN_OUTS) await delegatedTurn(runtime.url, tasks);
    for (const tasks of FAN_OUTS) {
      const viaQueue: number[] = [];
      const viaDirect: number[] = [];
      // interleaved so machine noise hits both alike
      for (let round = 0; round < rounds; round++) {
        viaQueue.push(await delegatedTurn(queue.url, tasks));
        viaDirect.push(await delegatedTurn(direct.url, tasks));
      }
      fanOut.push({ tasks, queue: stats(viaQueue), direct: stats(viaDirect) });
    }

    const coordinators = 40;
    const tasksEach = 25;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: coordinators }, () => delegatedTurn(queue.url, tasksEach)));
    const seconds = (performance.now() - t0) / 1000;
    const total = coordinators * tasksEach;
    return {
      fanOut,
      throughput: { coordinators, tasksEach, tasks: total, seconds, tasksPerSecond: total / seconds },
    };
  } finally {
    await queue.dispose();
    await direct.dispose();
  }
}

if (process.argv[1] === import.meta.filename) {
  const figures = await delegationFigures(Number(process.env.BENCH_ROUNDS ?? 10));
  console.log(JSON.stringify(figures, null, 2));
}
