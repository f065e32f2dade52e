/**
 * HTTP PUT and GET throughput and latency at n=3, w=2, r=2 on a local 3-node cluster (real node
 * processes, LMDB), with the same app's trivial `GET /health` measured in the same run as the
 * baseline. Load from autocannon, requests spread over the three nodes.
 */
import autocannon from 'autocannon';
import { ClusterNode, joinAndSettle, startNode, stopNodes } from './cluster-nodes';

export interface HttpBenchRow {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** One autocannon run per node at once (connections split evenly), results combined. */
async function run(name: string, nodes: ClusterNode[], opts: { method: 'GET' | 'PUT'; path: (i: number) => string; body?: string; seconds: number; connections: number }): Promise<HttpBenchRow> {
  let i = 0;
  const results = await Promise.all(
    nodes.map(
      (n) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          autocannon(
            {
              url: n.http,
              connections: Math.max(1, Math.floor(opts.connections / nodes.length)),
              duration: opts.seconds,
              requests: [{ method: opts.method, setupRequest: (req) => ({ ...req, path: opts.path(i++), headers: { 'content-type': 'application/json' }, body: opts.body }) }],
            },
            (err, result) => (err ? reject(err) : resolve(result)),
          );
        }),
    ),
  );
  const max = (f: (r: autocannon.Result) => number) => Math.max(...results.map(f));
  return {
    name,
    requestsPerSecond: results.reduce((n, r) => n + r.requests.average, 0),
    // per-node percentiles; the worst node's is reported
    p50ms: max((r) => r.latency.p50),
    p99ms: max((r) => r.latency.p99),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

export async function httpBench(root: string, seconds: number): Promise<HttpBenchRow[]> {
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['http1', 'http2', 'http3']) nodes.push(await startNode(root, name));
    await joinAndSettle(nodes);
    const value = JSON.stringify({ v: 'x'.repeat(100) });
    const rows: HttpBenchRow[] = [];
    rows.push(await run('baseline GET /health', nodes, { method: 'GET', path: () => '/health', seconds, connections: 50 }));
    rows.push(await run('PUT /api/store n=3 w=2', nodes, { method: 'PUT', path: (i) => `/api/store/bench-${i % 10000}?n=3&w=2`, body: value, seconds, connections: 50 }));
    rows.push(await run('GET /api/store n=3 r=2', nodes, { method: 'GET', path: (i) => `/api/store/bench-${i % 10000}?n=3&r=2`, seconds, connections: 50 }));
    return rows;
  } finally {
    stopNodes(nodes);
  }
}
