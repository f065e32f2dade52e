/**
 * `npm run bench -- quorum [seconds] [rounds]`: what each part of a request costs, told apart by
 * its quorum. One 3-node api cluster on LMDB under the judge's load (32 connections spread over
 * the nodes, 1 KiB values, http.bench.ts), each operation run with several quorums in turn:
 *
 * - `GET ?n=3&r=1` asks only this node's replica (every node holds one of every key here), so it
 *   is the HTTP request, the coordinator and one local vnode read; `?n=3&r=2` adds one remote
 *   vnode read (the judge's GET); `?n=1&r=1` asks the key's single first vnode, which is another
 *   node's for two keys in three;
 * - `PUT ?n=1&w=1` is one coordinated, durable write (at the key's first vnode, remote for two
 *   keys in three); `?n=3&w=1` adds the replication to two more vnodes without waiting for it;
 *   `?n=3&w=2` waits for one of them (the judge's PUT).
 *
 * The differences of the servers' CPU per request are the costs of those parts: a remote vnode
 * read is CPU(`GET ?n=3&r=2`) − CPU(`GET ?n=3&r=1`). The GETs run first (over keys every replica
 * holds), then the PUTs; rounds alternate the order of an operation's quorums so that a drift of the
 * machine weighs on all of them; the table gives the median over the rounds.
 */
import { figure } from './ab.bench';
import { ClusterNode, joinAndSettle, startNode, stopNodes } from './cluster-nodes';
import { HttpOp, HttpRun, Keys, drive } from './http.bench';

export interface QuorumCase {
  readonly op: HttpOp;
  readonly query: string;
}

export const QUORUM_CASES: readonly QuorumCase[] = [
  { op: 'GET', query: '?n=3&r=2' },
  { op: 'GET', query: '?n=3&r=1' },
  { op: 'GET', query: '?n=1&r=1' },
  { op: 'PUT', query: '?n=3&w=2' },
  { op: 'PUT', query: '?n=3&w=1' },
  { op: 'PUT', query: '?n=1&w=1' },
];

export interface QuorumRun extends QuorumCase {
  readonly round: number;
  readonly run: HttpRun;
}

export interface QuorumRow extends QuorumCase {
  readonly runs: number;
  /** medians over the rounds */
  readonly requestsPerSecond: number;
  readonly serverCpuUs: number;
  readonly p99ms: number;
}

export interface QuorumPart {
  readonly part: string;
  /** CPU µs per request: the first case's median minus the second's */
  readonly cpuUs: number;
}

/** The lower middle of `xs` for an even count, as the A/B bench takes it. */
const median = (xs: readonly number[]): number => figure(xs).median;

/** Per case, in the order of QUORUM_CASES: the medians of its runs (cases that did not run are left out). */
export function quorumRows(runs: readonly QuorumRun[]): QuorumRow[] {
  const rows: QuorumRow[] = [];
  for (const c of QUORUM_CASES) {
    const of = runs.filter((r) => r.op === c.op && r.query === c.query).map((r) => r.run);
    if (of.length === 0) continue;
    rows.push({
      ...c,
      runs: of.length,
      requestsPerSecond: median(of.map((r) => r.requestsPerSecond)),
      serverCpuUs: median(of.map((r) => r.serverCpuUs)),
      p99ms: median(of.map((r) => r.p99ms)),
    });
  }
  return rows;
}

/** The parts of a request the differences between cases measure (those whose two cases ran). */
export function quorumParts(rows: readonly QuorumRow[]): QuorumPart[] {
  const cpu = (op: HttpOp, query: string) => rows.find((r) => r.op === op && r.query === query)?.serverCpuUs;
  const parts: QuorumPart[] = [];
  const diff = (part: string, a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined) parts.push({ part, cpuUs: a - b });
  };
  diff('a remote vnode read (GET r=2 − r=1)', cpu('GET', '?n=3&r=2'), cpu('GET', '?n=3&r=1'));
  diff('replicating a write to two more vnodes (PUT n=3 w=1 − n=1 w=1)', cpu('PUT', '?n=3&w=1'), cpu('PUT', '?n=1&w=1'));
  diff('a durable write beyond a local read (PUT n=1 w=1 − GET n=1 r=1)', cpu('PUT', '?n=1&w=1'), cpu('GET', '?n=1&r=1'));
  return parts;
}

export function quorumTable(rows: readonly QuorumRow[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = ['op   query      runs  req/s (median)  CPU µs/req  p99 ms'];
  for (const r of rows) lines.push(`${r.op.padEnd(4)} ${r.query.padEnd(10)} ${String(r.runs).padStart(4)}  ${n(r.requestsPerSecond).padStart(14)}  ${n(r.serverCpuUs).padStart(10)}  ${n(r.p99ms).padStart(6)}`);
  for (const p of quorumParts(rows)) lines.push(`${p.part}: ${n(p.cpuUs)} µs of CPU per request`);
  return lines.join('\n');
}

export async function quorumBench(root: string, seconds: number, rounds: number, log: (line: string) => void = () => undefined): Promise<QuorumRun[]> {
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['q1', 'q2', 'q3']) nodes.push(await startNode(root, name));
    await joinAndSettle(nodes);
    const urls = nodes.map((n) => n.http);
    const pids = nodes.map((n) => n.pid);
    // GETs read keys every replica holds; a single-replica write (n=1) gets keys of its own, never
    // read, or the reads would find two replicas missing them and repair them.
    const keys = new Keys();
    const singleReplicaKeys = new Keys('one-');
    const keysOf = (c: QuorumCase) => (c.query.startsWith('?n=1') && c.op === 'PUT' ? singleReplicaKeys : keys);
    const target = (c: QuorumCase) => ({ name: 'Ringnest', urls, pids, query: { PUT: c.query, GET: c.query } });
    // Warm-up: the JIT and LMDB's file; the keys written here are those the GETs read.
    await drive(target(QUORUM_CASES[3]), 'PUT', keys, 3);
    await drive(target(QUORUM_CASES[0]), 'GET', keys, 8);
    const runs: QuorumRun[] = [];
    // All GETs first: a burst of writes leaves the nodes busy for a while after it (commits,
    // anti-entropy), which would weigh on the reads that follow it. Within an operation, the order
    // of the cases alternates from one round to the next.
    for (const op of ['GET', 'PUT'] as const) {
      const ofOp = QUORUM_CASES.filter((c) => c.op === op);
      for (let round = 0; round < rounds; round++) {
        for (const c of round % 2 === 0 ? ofOp : [...ofOp].reverse()) {
          const run = await drive(target(c), c.op, keysOf(c), seconds);
          log(`  round ${round + 1} ${c.op} ${c.query}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99ms} ms, ${Math.round(run.serverCpuUs)} µs server CPU per request`);
          runs.push({ ...c, round, run });
        }
      }
    }
    return runs;
  } finally {
    stopNodes(nodes);
  }
}
