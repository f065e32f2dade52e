/** Latency percentiles as the benchmarks report them: nearest rank, in milliseconds, rounded to 0.01. */

export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (the smallest sample with at least p% of the samples at or below it); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** p50, p99 and max of `samples` (any order; not modified); NaN for each when there are none. */
export function summary(samples: readonly number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50Ms: r(percentile(s, 50)), p99Ms: r(percentile(s, 99)), maxMs: r(s[s.length - 1] ?? NaN) };
}
