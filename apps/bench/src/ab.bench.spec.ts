import { AbRun, abSummary, abTable, figure, runOrder } from './ab.bench';
import { HttpRun, VALUE_BYTES, paddedValue } from './http.bench';

const run = (requestsPerSecond: number, serverCpuUs: number, gcUs?: number): HttpRun => ({
  requests: requestsPerSecond * 8,
  requestsPerSecond,
  serverCpuUs,
  mainThreadCpuUs: serverCpuUs * 0.7,
  p50ms: 5,
  p99ms: 20,
  errors: 0,
  non2xx: 0,
  loadCpuUs: 40,
  ...(gcUs === undefined ? {} : { gcUs, majorGcs: 1 }),
});

describe('the A/B bench', () => {
  it("interleaves the builds' runs A B B A, then B A A B in the next start: each build first in half the starts", () => {
    expect(runOrder(0)).toEqual(['A', 'B', 'B', 'A']);
    expect(runOrder(1)).toEqual(['B', 'A', 'A', 'B']);
    expect(runOrder(2)).toEqual(runOrder(0));
    for (const start of [0, 1]) expect(runOrder(start).filter((l) => l === 'A')).toHaveLength(2);
  });

  it('takes the lower middle as the median of an even count, with the lowest and highest', () => {
    expect(figure([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(figure([40, 10, 30, 20])).toEqual({ median: 20, min: 10, max: 40 });
    expect(figure([])).toEqual({ median: NaN, min: NaN, max: NaN });
  });

  it('summarises each operation per build, and B against A', () => {
    const runs: AbRun[] = [
      { build: 'A', start: 0, op: 'GET', run: run(4000, 400, 30) },
      { build: 'A', start: 0, op: 'GET', run: run(5000, 300, 20) },
      { build: 'A', start: 1, op: 'GET', run: run(3000, 500, 40) },
      { build: 'B', start: 0, op: 'GET', run: run(4400, 360, 25) },
      { build: 'B', start: 1, op: 'GET', run: run(6000, 250, 15) },
      { build: 'B', start: 1, op: 'GET', run: run(5000, 300, 20) },
      { build: 'A', start: 0, op: 'PUT', run: run(1000, 1400) },
      { build: 'B', start: 0, op: 'PUT', run: run(1100, 1300) },
    ];
    const [get, put] = abSummary(runs);
    expect(get.op).toBe('GET');
    expect(get.a).toEqual({ runs: 3, requestsPerSecond: { median: 4000, min: 3000, max: 5000 }, serverCpuUs: { median: 400, min: 300, max: 500 }, p99ms: { median: 20, min: 20, max: 20 }, gcUs: { median: 30, min: 20, max: 40 } });
    expect(get.b.requestsPerSecond).toEqual({ median: 5000, min: 4400, max: 6000 });
    expect(get.rateChange).toBeCloseTo(0.25);
    expect(get.cpuChange).toBeCloseTo(-0.25);
    expect(put.op).toBe('PUT');
    expect(put.a.gcUs).toBeUndefined();
    expect(put.rateChange).toBeCloseTo(0.1);
    // start 0: B's mean 4,400 against A's 4,500; start 1: B's 5,500 against A's 3,000
    expect(get.rateChangeByStart.map((x) => +x.toFixed(4))).toEqual([-0.0222, 0.8333]);
    expect(get.cpuChangeByStart.map((x) => +x.toFixed(4))).toEqual([0.0286, -0.45]);
    expect(put.rateChangeByStart.map((x) => +x.toFixed(4))).toEqual([0.1]);
    const table = abTable([get, put]);
    expect(table).toContain('GET  B/A per start (side by side): req/s -2.2 %, +83.3 %; CPU per request +2.9 %, -45.0 %');
    expect(table).toContain('GET  B/A: req/s +25.0 %, CPU per request -25.0 %');
    expect(table).toContain('4,000 [3,000–5,000]');
  });

  it('leaves out an operation no build ran, and a start that ran one build only from the per-start changes', () => {
    const [put] = abSummary([{ build: 'A', start: 0, op: 'PUT', run: run(1000, 1400) }]);
    expect(put.op).toBe('PUT');
    expect(put.rateChangeByStart).toEqual([]);
  });
});

describe('the values PUT', () => {
  it('are JSON of exactly the size asked for, 1 KiB unless said otherwise', () => {
    for (const bytes of [10, VALUE_BYTES, 65_536]) {
      const value = paddedValue(bytes);
      expect(Buffer.byteLength(value)).toBe(bytes);
      expect(JSON.parse(value)).toEqual({ pad: 'x'.repeat(bytes - 10) });
    }
    expect(VALUE_BYTES).toBe(1024);
    expect(() => paddedValue(9)).toThrow('at least 10');
    expect(() => paddedValue(1.5)).toThrow('whole number');
  });
});
