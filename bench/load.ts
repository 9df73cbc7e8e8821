/** Latency statistics of a run, in milliseconds. */
export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Throughput and latency of a closed-loop load run. */
export interface LoadResult extends LatencyStats {
  seconds: number;
  perSecond: number;
  errors: number;
}

/** The value at quantile q of sorted samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export function stats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean };
}

/**
 * Closed-loop load: `concurrency` workers each send requests back to back for `seconds`.
 * Worker i always uses `request(i)`, so each worker can own one session or object.
 */
export async function runLoad(
  concurrency: number,
  seconds: number,
  request: (worker: number) => Promise<Response>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await request(worker);
        await response.arrayBuffer();
        if (response.ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { ...stats(latencies), seconds: elapsed, perSecond: latencies.length / elapsed, errors };
}

/** Headers of the dev tenant's JSON requests. */
export const AUTH = { authorization: "Bearer dev-token", "content-type": "application/json" };

/** Creates a session of `agent` as the dev tenant and returns its id. */
export async function createSession(base: URL, agent: string, sessionId = `bench-${agent}-${crypto.randomUUID()}`) {
  const response = await fetch(new URL("/v1/sessions", base), {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ agent, sessionId }),
  });
  if (response.status !== 201) throw new Error(`session create failed: ${response.status}`);
  return sessionId;
}
