import { gcDuring, gcTotals } from './gc-pauses';

const page = (minor: [number, number], major: [number, number]) => `# HELP ringnest_nodejs_gc_duration_seconds Garbage collection duration by kind.
# TYPE ringnest_nodejs_gc_duration_seconds histogram
ringnest_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 3
ringnest_nodejs_gc_duration_seconds_sum{kind="minor"} ${minor[1]}
ringnest_nodejs_gc_duration_seconds_count{kind="minor"} ${minor[0]}
ringnest_nodejs_gc_duration_seconds_sum{kind="major"} ${major[1]}
ringnest_nodejs_gc_duration_seconds_count{kind="major"} ${major[0]}
ringnest_nodejs_heap_size_used_bytes 57207344
`;

describe('gc pauses from a node metrics page', () => {
  it('reads the count and the summed pause of each kind of collection', () => {
    expect(gcTotals(page([38, 0.55], [5, 0.184]))).toEqual({ minor: { count: 38, seconds: 0.55 }, major: { count: 5, seconds: 0.184 } });
  });

  it('reads no kind before the first collection, and refuses a page that does not declare the metric (not a node, or renamed)', () => {
    expect(gcTotals('# TYPE ringnest_nodejs_gc_duration_seconds histogram\n')).toEqual({});
    expect(() => gcTotals('nodejs_heap_size_used_bytes 1\n')).toThrow(/no ringnest_nodejs_gc_duration_seconds histogram/);
  });

  it('sums what every node collected between two readings, a kind first seen in the second reading included', () => {
    const before = [gcTotals(page([10, 0.05], [1, 0.01])), gcTotals(page([20, 0.1], [0, 0]))];
    const after = [gcTotals(page([14, 0.07], [3, 0.05])), gcTotals(`${page([21, 0.104], [0, 0])}ringnest_nodejs_gc_duration_seconds_sum{kind="weakcb"} 0.001\n`)];
    const d = gcDuring(before, after);
    expect(d.minor).toBe(5);
    expect(d.major).toBe(2);
    expect(d.pauseUs).toBeCloseTo(0.02e6 + 0.04e6 + 0.004e6 + 0.001e6, 3);
  });
});
