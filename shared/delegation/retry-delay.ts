/** Seconds to wait after failed attempt `failed` (1, 2, ...): base, 2·base, 4·base, ..., at most 12 h (the Queues limit). */
export function retryDelaySeconds(failed: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, failed - 1), 43_200);
}
