/**
 * `npm run bench -- ab <a/main.js> <b/main.js> [starts] [seconds] [valueBytes]`: two builds of the api node on
 * the judge's Ringnest workload (http.bench.ts: 3 nodes on LMDB, 32 connections spread over them,
 * 1 KiB values unless `valueBytes` says otherwise, `PUT ?n=3&w=2`, `GET ?n=3&r=2`), one fresh cluster per start, the builds
 * alternated A B, B A, A B, … so that a drift of the machine during the comparison weighs on both.
 * On a small shared machine the throughput of one build moves by tens of per cent from one cluster
 * start to the next; a change is judged on several starts of each, and on the spread as much as on
 * the medians.
 *
 * Each start: a 3 s PUT and a 5 s GET warm-up (the first seconds of GETs after a start are always
 * the slowest: the JIT is still at work), then two runs of `seconds` per operation (GET over
 * the keys written, then PUT on new keys). Per build and operation: the median, lowest and highest
 * of the runs' requests/s, servers' CPU per request, p99 and GC pause per request, and B's medians
 * against A's. The builds must resolve their packages from this repository's `node_modules`: copy a
 * build's `dist/apps/api` somewhere under the repository (e.g. `dist/ab/<name>/`).
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
}

/** The builds of each cluster start: A B, B A, A B, … (each build first in half the pairs). */
export function startOrder(starts: number): AbLabel[] {
  const order: AbLabel[] = [];
  for (let i = 0; i < starts; i++) order.push(...(i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)));
  return order;
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
    rows.push({ op, a, b, rateChange: b.requestsPerSecond.median / a.requestsPerSecond.median - 1, cpuChange: b.serverCpuUs.median / a.serverCpuUs.median - 1 });
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
  }
  return lines.join('\n');
}

async function oneStart(build: AbBuild, start: number, seconds: number, valueBytes: number, log: (line: string) => void): Promise<AbRun[]> {
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['ab1', 'ab2', 'ab3']) nodes.push(await startNode(process.cwd(), name, { script: build.script }));
    await joinAndSettle(nodes);
    const target = { name: build.label, urls: nodes.map((n) => n.http), pids: nodes.map((n) => n.pid), query: RINGNEST_QUERY, gcMetrics: true };
    const keys = new Keys();
    await drive(target, 'PUT', keys, 3, valueBytes);
    await drive(target, 'GET', keys, 5, valueBytes);
    const runs: AbRun[] = [];
    for (const op of ['GET', 'PUT'] as const) {
      for (let i = 0; i < 2; i++) {
        const run = await drive(target, op, keys, seconds, valueBytes);
        log(`  start ${start + 1} ${build.label} ${op}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99ms} ms, ${Math.round(run.serverCpuUs)} µs server CPU per request`);
        runs.push({ build: build.label, start, op, run });
      }
    }
    return runs;
  } finally {
    stopNodes(nodes);
  }
}

export async function abBench(a: string, b: string, starts: number, seconds: number, log: (line: string) => void = () => undefined, valueBytes = VALUE_BYTES): Promise<{ runs: AbRun[]; rows: AbRow[] }> {
  const builds: Record<AbLabel, AbBuild> = { A: { label: 'A', script: a }, B: { label: 'B', script: b } };
  const runs: AbRun[] = [];
  const order = startOrder(starts);
  for (let i = 0; i < order.length; i++) runs.push(...(await oneStart(builds[order[i]], Math.floor(i / 2), seconds, valueBytes, log)));
  return { runs, rows: abSummary(runs) };
}
