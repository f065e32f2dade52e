/**
 * `npm run bench -- ab <a/main.js> <b/main.js> [starts] [seconds] [valueBytes]`: two builds of the api node on
 * the judge's Ringnest workload (http.bench.ts: 3 nodes on LMDB, 32 connections spread over them,
 * 1 KiB values unless `valueBytes` says otherwise, `PUT ?n=3&w=2`, `GET ?n=3&r=2`).
 * On a small shared machine the throughput of one build moves by tens of per cent from one cluster
 * start to the next, and the machine itself goes through slower phases lasting minutes; so each
 * start runs both builds side by side: a fresh 3-node cluster of each (the same node names, so the
 * same claim), both idle but for the one under load, and their runs interleaved A B B A (B A A B
 * in every other start) so that a drift of the machine weighs on both alike. A change is judged on
 * several starts, and on the spread as much as on the medians.
 *
 * Each start: 3 s of PUTs on each cluster (keys to read), then per operation a warm-up of each
 * cluster right before its runs ({@link WARM_UP_SECONDS_AB}: the first seconds of an operation run
 * slower while the JIT re-optimises for it) and two runs of `seconds` per build (GET over the keys
 * written, then PUT on new keys). Per build and operation:
 * the median, lowest and highest of the runs' requests/s, servers' CPU per request, p99 and GC
 * pause per request, and B's medians against A's. The builds must resolve their packages from this
 * repository's `node_modules`: copy a build's `dist/apps/api` somewhere under the repository (e.g.
 * `dist/ab/<name>/`).
 */
import { ClusterNode, joinAndSettle, startNode, stopNodes } from './cluster-nodes';
import { HttpOp, HttpRun, Keys, RINGNEST_QUERY, VALUE_BYTES, drive } from './http.bench';

export type AbLabel = 'A' | 'B';

export interface AbBuild {
  readonly label: AbLabel;
  /** the api node's entry point (a build's `main.js`) */
  readonly script: string;
}

export interface AbRun {
  readonly build: AbLabel;
  /** the cluster start it ran in, from 0 */
  readonly start: number;
  readonly op: HttpOp;
  readonly run: HttpRun;
}

export interface AbFigure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface AbSide {
  readonly runs: number;
  readonly requestsPerSecond: AbFigure;
  readonly serverCpuUs: AbFigure;
  readonly p99ms: AbFigure;
  readonly gcUs?: AbFigure;
}

export interface AbRow {
  readonly op: HttpOp;
  readonly a: AbSide;
  readonly b: AbSide;
  /** B's median requests/s over A's, minus 1 */
  readonly rateChange: number;
  /** B's median CPU per request over A's, minus 1 */
  readonly cpuChange: number;
  /** per start that ran both builds: B's mean requests/s over A's in that start, minus 1 (the two ran side by side) */
  readonly rateChangeByStart: readonly number[];
  /** per start: B's mean CPU per request over A's, minus 1 */
  readonly cpuChangeByStart: readonly number[];
}

/** The order of one operation's runs in start `start` (from 0): A B B A, then B A A B in the next start, and so on. */
export function runOrder(start: number): AbLabel[] {
  return start % 2 === 0 ? ['A', 'B', 'B', 'A'] : ['B', 'A', 'A', 'B'];
}

/** Median (the lower middle one for an even count), lowest and highest of `xs`; NaN for none. */
export function figure(xs: readonly number[]): AbFigure {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN };
  const s = [...xs].sort((x, y) => x - y);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1] };
}

function side(runs: readonly HttpRun[]): AbSide {
  const gc = runs.length > 0 && runs.every((r) => r.gcUs !== undefined) ? { gcUs: figure(runs.map((r) => r.gcUs ?? 0)) } : {};
  return {
    runs: runs.length,
    requestsPerSecond: figure(runs.map((r) => r.requestsPerSecond)),
    serverCpuUs: figure(runs.map((r) => r.serverCpuUs)),
    p99ms: figure(runs.map((r) => r.p99ms)),
    ...gc,
  };
}

/** Per operation (GET, then PUT, those that ran): both builds' figures and B against A. */
export function abSummary(runs: readonly AbRun[]): AbRow[] {
  const rows: AbRow[] = [];
  for (const op of ['GET', 'PUT'] as const) {
    const of = (build: AbLabel) => runs.filter((r) => r.op === op && r.build === build).map((r) => r.run);
    const a = side(of('A'));
    const b = side(of('B'));
    if (a.runs === 0 && b.runs === 0) continue;
    const byStart = (figureOf: (r: HttpRun) => number) => {
      const starts = [...new Set(runs.filter((r) => r.op === op).map((r) => r.start))].sort((x, y) => x - y);
      return starts.flatMap((start) => {
        const mean = (build: AbLabel) => {
          const xs = runs.filter((r) => r.op === op && r.start === start && r.build === build).map((r) => figureOf(r.run));
          return xs.length === 0 ? NaN : xs.reduce((sum, x) => sum + x, 0) / xs.length;
        };
        const change = mean('B') / mean('A') - 1;
        return Number.isFinite(change) ? [change] : [];
      });
    };
    rows.push({
      op,
      a,
      b,
      rateChange: b.requestsPerSecond.median / a.requestsPerSecond.median - 1,
      cpuChange: b.serverCpuUs.median / a.serverCpuUs.median - 1,
      rateChangeByStart: byStart((r) => r.requestsPerSecond),
      cpuChangeByStart: byStart((r) => r.serverCpuUs),
    });
  }
  return rows;
}

/** One line per build and operation: median [lowest–highest] of each figure, and B against A. */
export function abTable(rows: readonly AbRow[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const f = (x: AbFigure | undefined) => (x ? `${n(x.median)} [${n(x.min)}–${n(x.max)}]` : '-');
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;
  const lines = ['op   build  runs  req/s median [low–high]  CPU µs/req median [low–high]  p99 ms  GC µs/req'];
  for (const r of rows) {
    for (const [label, s] of [['A', r.a], ['B', r.b]] as const) {
      lines.push(`${r.op.padEnd(4)} ${label.padEnd(5)}  ${String(s.runs).padStart(4)}  ${f(s.requestsPerSecond).padEnd(26)} ${f(s.serverCpuUs).padEnd(31)} ${f(s.p99ms).padEnd(7)} ${f(s.gcUs)}`);
    }
    lines.push(`${r.op.padEnd(4)} B/A: req/s ${pct(r.rateChange)}, CPU per request ${pct(r.cpuChange)}`);
    if (r.rateChangeByStart.length > 0) {
      lines.push(`${r.op.padEnd(4)} B/A per start (side by side): req/s ${r.rateChangeByStart.map(pct).join(', ')}; CPU per request ${r.cpuChangeByStart.map(pct).join(', ')}`);
    }
  }
  return lines.join('\n');
}

/** Seconds of each operation for each cluster before its runs. */
export const WARM_UP_SECONDS_AB: Readonly<Record<HttpOp, number>> = { PUT: 8, GET: 5 };

interface AbCluster {
  readonly build: AbBuild;
  readonly nodes: ClusterNode[];
  readonly keys: Keys;
}

function targetOf(c: AbCluster) {
  return { name: c.build.label, urls: c.nodes.map((n) => n.http), pids: c.nodes.map((n) => n.pid), query: RINGNEST_QUERY, gcMetrics: true };
}

async function startCluster(build: AbBuild, all: ClusterNode[]): Promise<AbCluster> {
  const nodes: ClusterNode[] = [];
  for (const name of ['ab1', 'ab2', 'ab3']) {
    const node = await startNode(process.cwd(), name, { script: build.script });
    nodes.push(node);
    all.push(node);
  }
  await joinAndSettle(nodes);
  return { build, nodes, keys: new Keys() };
}

async function oneStart(builds: Record<AbLabel, AbBuild>, start: number, seconds: number, valueBytes: number, log: (line: string) => void): Promise<AbRun[]> {
  const all: ClusterNode[] = [];
  try {
    const order = runOrder(start);
    const clusters = {} as Record<AbLabel, AbCluster>;
    for (const label of order.slice(0, 2)) clusters[label] = await startCluster(builds[label], all);
    const warmUp = async (op: HttpOp, warmSeconds: number) => {
      for (const label of order.slice(0, 2)) await drive(targetOf(clusters[label]), op, clusters[label].keys, warmSeconds, valueBytes);
    };
    await warmUp('PUT', 3);
    const runs: AbRun[] = [];
    for (const op of ['GET', 'PUT'] as const) {
      // each operation warmed up right before its runs: after the other one, its first seconds run slower while the JIT re-optimises
      await warmUp(op, WARM_UP_SECONDS_AB[op]);
      for (const label of order) {
        const c = clusters[label];
        const run = await drive(targetOf(c), op, c.keys, seconds, valueBytes);
        log(`  start ${start + 1} ${label} ${op}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99ms} ms, ${Math.round(run.serverCpuUs)} µs server CPU per request`);
        runs.push({ build: label, start, op, run });
      }
    }
    return runs;
  } finally {
    stopNodes(all);
  }
}

export async function abBench(a: string, b: string, starts: number, seconds: number, log: (line: string) => void = () => undefined, valueBytes = VALUE_BYTES): Promise<{ runs: AbRun[]; rows: AbRow[] }> {
  const builds: Record<AbLabel, AbBuild> = { A: { label: 'A', script: a }, B: { label: 'B', script: b } };
  const runs: AbRun[] = [];
  for (let start = 0; start < starts; start++) runs.push(...(await oneStart(builds, start, seconds, valueBytes, log)));
  return { runs, rows: abSummary(runs) };
}
