import { describe, expect, it } from "vitest";
import { emptyHistogram, mergeHistograms, observe, quantile } from "./histogram";

const BOUNDS = [10, 100, 1000];

function histogramOf(values: number[]) {
  const histogram = emptyHistogram(BOUNDS);
  for (const value of values) observe(histogram, value, BOUNDS);
  return histogram;
}

describe("latency histogram", () => {
  it("counts each sample in the first bucket whose bound is not below it", () => {
    expect(histogramOf([0, 10, 11, 100, 999, 1000, 1001, 50_000])).toEqual([2, 2, 2, 2]);
  });

  it.each([
    // 10 samples in (0,10]: the median is half way through the first bucket
    [Array(10).fill(5), 0.5, 5],
    // 50 in (0,10], 50 in (10,100]: p50 at the first bucket's top, p95 at 90% of the second
    [[...Array(50).fill(5), ...Array(50).fill(50)], 0.5, 10],
    [[...Array(50).fill(5), ...Array(50).fill(50)], 0.95, 91],
    [[...Array(99).fill(5), 500], 0.99, 10],
    [[...Array(99).fill(5), 500], 1, 1000],
    // above every bound: the last bound is all a histogram can say
    [[5000, 6000], 0.5, 1000],
  ])("estimates quantiles linearly within a bucket (%#)", (values, q, expected) => {
    expect(quantile(histogramOf(values), q, BOUNDS)).toBeCloseTo(expected, 6);
  });

  it("has no quantile without samples", () => {
    expect(quantile(emptyHistogram(BOUNDS), 0.5, BOUNDS)).toBeNull();
  });

  it("keeps p50 ≤ p95 ≤ p99 and within the samples' buckets", () => {
    const histogram = histogramOf([3, 7, 20, 40, 80, 300, 700, 900]);
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(histogram, q, BOUNDS) ?? Number.NaN);
    expect(p50).toBeLessThanOrEqual(p95 as number);
    expect(p95).toBeLessThanOrEqual(p99 as number);
    expect(p99).toBeLessThanOrEqual(1000);
    expect(p50).toBeGreaterThan(10);
  });

  it("adds histograms bucket by bucket, ignoring one of other bounds", () => {
    expect(mergeHistograms(histogramOf([5, 50]), histogramOf([50, 5000]))).toEqual([1, 2, 0, 1]);
    expect(mergeHistograms(histogramOf([5]), [1, 2])).toEqual([1, 0, 0, 0]);
  });
});
