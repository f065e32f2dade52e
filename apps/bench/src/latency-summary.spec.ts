import { percentile, summary } from './latency-summary';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the sample at rank ceil(p/100 * n)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('clamps to the first and last sample', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summary', () => {
  it('sorts a copy of the samples and rounds to hundredths of a millisecond', () => {
    const samples = [3.14159, 0.5, 2.006, 10.999, 1];
    expect(summary(samples)).toEqual({ p50Ms: 2.01, p99Ms: 11, maxMs: 11 });
    expect(samples).toEqual([3.14159, 0.5, 2.006, 10.999, 1]);
  });

  it('reports one slow sample in 100 at p99 only when it is the slowest one percent', () => {
    const fast = Array.from({ length: 99 }, () => 1);
    expect(summary([...fast, 250])).toEqual({ p50Ms: 1, p99Ms: 1, maxMs: 250 });
    expect(summary([...fast.slice(1), 250, 250])).toEqual({ p50Ms: 1, p99Ms: 250, maxMs: 250 });
  });

  it('is NaN throughout without samples', () => {
    expect(summary([])).toEqual({ p50Ms: NaN, p99Ms: NaN, maxMs: NaN });
  });
});
