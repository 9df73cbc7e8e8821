import type { Miniflare } from "miniflare";
import { seeded } from "./seeded.ts";

/** The queue the runtime's TASKS binding sends to; the chaos worker passes its messages on to the real one. */
const CHAOS_QUEUE = "edgent-tasks-chaos";

// A worker between the runtime and its task queue: every message it receives goes on to the
// real queue twice, the batch's copies shuffled and each delayed 0-2 s at random (seeded), so
// the consumer sees every task twice and out of order. GET /stats says how many it passed on.
const SCRIPT = `
let random;
let received = 0;
let sent = 0;
${seeded.toString()}
export default {
  async queue(batch, env) {
    random ??= seeded(Number(env.SEED));
    received += batch.messages.length;
    const copies = batch.messages.flatMap((message) => [message.body, message.body]);
    for (let i = copies.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copies[i], copies[j]] = [copies[j], copies[i]];
    }
    for (const body of copies) {
      await env.DELIVER.send(body, { delaySeconds: Math.floor(random() * 3) });
      sent++;
    }
    batch.ackAll();
  },
  fetch() {
    return Response.json({ received, sent });
  },
};
`;

/** Runtime options that put the chaos worker between the runtime and its task queue. */
export function chaosQueue(seed: number): {
  queueProducers: Record<string, { queueName: string }>;
  workers: Array<Record<string, unknown>>;
} {
  return {
    queueProducers: { TASKS: { queueName: CHAOS_QUEUE } },
    workers: [
      {
        name: "chaos-queue",
        modules: true,
        script: SCRIPT,
        compatibilityDate: "2025-09-01",
        bindings: { SEED: String(seed) },
        queueConsumers: { [CHAOS_QUEUE]: { maxBatchSize: 20, maxBatchTimeout: 0 } },
        queueProducers: { DELIVER: { queueName: "edgent-tasks" } },
      },
    ],
  };
}

/** How many task messages the chaos worker received and passed on. */
export async function chaosStats(mf: Miniflare): Promise<{ received: number; sent: number }> {
  // miniflare's Fetcher type does not name fetch on this TypeScript setup; it is there at run time
  const worker = (await mf.getWorker("chaos-queue")) as unknown as { fetch(url: string): Promise<Response> };
  const response = await worker.fetch("http://chaos/stats");
  return (await response.json()) as { received: number; sent: number };
}
