import { HttpRun } from './http.bench';
import { QuorumRun, quorumParts, quorumRows, quorumTable } from './quorum.bench';

const run = (requestsPerSecond: number, serverCpuUs: number): HttpRun => ({ requests: requestsPerSecond * 8, requestsPerSecond, serverCpuUs, mainThreadCpuUs: serverCpuUs * 0.7, p50ms: 5, p99ms: 20, errors: 0, non2xx: 0, loadCpuUs: 40 });

describe('the quorum bench', () => {
  const runs: QuorumRun[] = [
    { op: 'GET', query: '?n=3&r=2', round: 0, run: run(4000, 400) },
    { op: 'GET', query: '?n=3&r=2', round: 1, run: run(5000, 300) },
    { op: 'GET', query: '?n=3&r=1', round: 0, run: run(8000, 200) },
    { op: 'GET', query: '?n=3&r=1', round: 1, run: run(7000, 180) },
    { op: 'GET', query: '?n=1&r=1', round: 0, run: run(6000, 300) },
    { op: 'PUT', query: '?n=3&w=1', round: 0, run: run(1200, 1300) },
    { op: 'PUT', query: '?n=1&w=1', round: 0, run: run(1600, 1000) },
  ];

  it('gives each quorum the median of its rounds, in the order of the cases, leaving out those that did not run', () => {
    const rows = quorumRows(runs);
    expect(rows.map((r) => `${r.op} ${r.query}`)).toEqual(['GET ?n=3&r=2', 'GET ?n=3&r=1', 'GET ?n=1&r=1', 'PUT ?n=3&w=1', 'PUT ?n=1&w=1']);
    expect(rows[0]).toMatchObject({ runs: 2, requestsPerSecond: 4000, serverCpuUs: 300 });
    expect(rows[1]).toMatchObject({ runs: 2, requestsPerSecond: 7000, serverCpuUs: 180 });
  });

  it('reads the parts of a request off the differences, only where both cases ran', () => {
    const parts = quorumParts(quorumRows(runs));
    expect(parts.map((p) => Math.round(p.cpuUs))).toEqual([120, 300, 700]);
    expect(quorumParts(quorumRows(runs.filter((r) => r.op === 'GET')))).toHaveLength(1);
    expect(quorumTable(quorumRows(runs))).toContain('a remote vnode read (GET r=2 − r=1): 120 µs');
  });
});
