/**
 * Upper bounds (ms) of the turn latency histogram's buckets; one more bucket counts what is
 * above the last. Fixed, so histograms from every session add up bucket by bucket.
 */
export const LATENCY_BOUNDS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 60_000, 120_000, 300_000, 600_000,
] as const;

/** Counts per bucket: `counts[i]` holds samples in (bounds[i-1], bounds[i]]; the last, those above every bound. */
export type Histogram = number[];

/** A histogram with no samples. */
export function emptyHistogram(bounds: readonly number[] = LATENCY_BOUNDS_MS): Histogram {
  return new Array<number>(bounds.length + 1).fill(0);
}

/** Counts one sample. */
export function observe(histogram: Histogram, value: number, bounds: readonly number[] = LATENCY_BOUNDS_MS): void {
  let index = bounds.findIndex((bound) => value <= bound);
  if (index < 0) index = bounds.length;
  histogram[index] = (histogram[index] ?? 0) + 1;
}

/** The sum of two histograms of the same bounds; a malformed one (wrong length) counts as empty. */
export function mergeHistograms(a: Histogram, b: readonly number[]): Histogram {
  if (b.length !== a.length) return a;
  return a.map((count, i) => count + (b[i] ?? 0));
}

/**
 * The value below which a share `q` of the samples lie, estimated as Prometheus's
 * histogram_quantile does: linearly within the bucket it falls in. Samples above the last
 * bound are reported as the last bound (the histogram cannot say more). Null when empty.
 */
export function quantile(
  histogram: Histogram,
  q: number,
  bounds: readonly number[] = LATENCY_BOUNDS_MS,
): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? 0;
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? lower;
      return lower + (upper - lower) * ((rank - below) / count);
    }
    below += count;
  }
  return bounds[bounds.length - 1] ?? 0;
}
