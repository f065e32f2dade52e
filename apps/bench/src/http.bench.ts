/**
 * `npm run bench -- http [seconds] [runs]`: PUT and GET throughput, latency and server CPU per
 * request of a 3-node Ringnest cluster (real node processes on LMDB, `PUT ?n=3&w=2`,
 * `GET ?n=3&r=2`), side by side with baselines measured in the same run: two single-process ones
 * (one Nest 11 + fastify process keeping values in a Map, and a bare `node:http` server with a Map),
 * and the replicated floor (baselines/replicated-floor.ts): three bare processes that replicate
 * each PUT to three durable LMDB commits and answer at two, with nothing else — what this machine
 * allows a replicated store for the workload.
 *
 * The workload is the same for every target: 32 connections (spread over the cluster's nodes),
 * 1 KiB JSON values `{"pad":"…"}`, every PUT on a new key, GETs over the keys written; each
 * operation warmed up until its rate stops rising ({@link WARM_UP}), then `runs` runs of `seconds`
 * each, and the median of each figure. All targets are started first and their runs interleaved
 * (a round of one run of each, forwards then backwards), the targets not under load stopped
 * meanwhile, so that the ratios do not depend on the minute each target happened to run in. Server
 * CPU comes from /proc/<pid>/stat of the server processes; the load generator (autocannon, in this
 * process) is reported apart. For Ringnest, the nodes' main-thread GC pauses per request and their
 * full collections come from their metrics, read around each run (gc-pauses.ts).
 */
import autocannon from 'autocannon';
import { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBaseline, stopBaseline } from './baseline-process';
import { ClusterNode, benchDir, freePorts, joinAndSettle, startNode, stopNodes } from './cluster-nodes';
import { GcDuring, gcDuring, readGcTotals } from './gc-pauses';
import { cpuSeconds, mainThreadsCpuSeconds } from './proc-cpu';

export const CONNECTIONS = 32;
/** The judge's value size: 1 KiB of JSON. */
export const VALUE_BYTES = 1024;

/** A JSON value `{"pad":"xx…"}` of exactly `bytes` bytes (at least 10). */
export function paddedValue(bytes: number): string {
  const pad = bytes - '{"pad":""}'.length;
  if (!Number.isInteger(bytes) || pad < 0) throw new Error(`a value of ${bytes} bytes: a whole number of at least 10 is needed`);
  return JSON.stringify({ pad: 'x'.repeat(pad) });
}

export type HttpOp = 'PUT' | 'GET';

/** The quorums of the Ringnest target: N=3, W=2 and R=2. */
export const RINGNEST_QUERY: Readonly<Record<HttpOp, string>> = { PUT: '?n=3&w=2', GET: '?n=3&r=2' };

export interface HttpRun {
  /** requests answered in the run */
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
  /** connection errors and timeouts */
  readonly errors: number;
  readonly non2xx: number;
  /** CPU of the server processes per request, µs */
  readonly serverCpuUs: number;
  /** of it, the servers' main threads (their event loops); the rest is V8's and libuv's threads */
  readonly mainThreadCpuUs: number;
  /** CPU of the load generator per request, µs */
  readonly loadCpuUs: number;
  /** Ringnest only: main-thread GC pause per request, summed over the nodes, µs */
  readonly gcUs?: number;
  /** Ringnest only: full (mark-compact) collections during the run, all nodes */
  readonly majorGcs?: number;
}

export interface HttpBenchRow {
  readonly target: string;
  readonly op: HttpOp;
  /** the requests per second of each warm-up window before the runs */
  readonly warmUp: readonly number[];
  readonly runs: readonly HttpRun[];
  /** the median of each figure over the runs */
  readonly median: HttpRun;
}

export interface Target {
  readonly name: string;
  readonly urls: readonly string[];
  readonly pids: readonly number[];
  readonly query: Readonly<Record<HttpOp, string>>;
  /** read each node's GC counters (/metrics) around every run */
  readonly gcMetrics?: boolean;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function medianRun(runs: readonly HttpRun[]): HttpRun {
  const of = (f: (r: HttpRun) => number) => median(runs.map(f));
  const gc = runs.every((r) => r.gcUs !== undefined) ? { gcUs: of((r) => r.gcUs ?? 0), majorGcs: of((r) => r.majorGcs ?? 0) } : {};
  return {
    ...gc,
    requests: of((r) => r.requests),
    requestsPerSecond: of((r) => r.requestsPerSecond),
    p50ms: of((r) => r.p50ms),
    p99ms: of((r) => r.p99ms),
    errors: of((r) => r.errors),
    non2xx: of((r) => r.non2xx),
    serverCpuUs: of((r) => r.serverCpuUs),
    mainThreadCpuUs: of((r) => r.mainThreadCpuUs),
    loadCpuUs: of((r) => r.loadCpuUs),
  };
}

/** Keys: every PUT a new one; GETs cycle over those written. */
export class Keys {
  private written = 0;
  private read = 0;
  constructor(private readonly prefix = 'k') {}
  next(op: HttpOp): string {
    if (op === 'PUT') return `${this.prefix}${this.written++}`;
    return `${this.prefix}${this.read++ % Math.max(1, this.written)}`;
  }
}

export async function drive(target: Target, op: HttpOp, keys: Keys, seconds: number, valueBytes = VALUE_BYTES): Promise<HttpRun> {
  const value = paddedValue(valueBytes);
  const gc0 = target.gcMetrics ? await readGcTotals(target.urls) : undefined;
  const cpu0 = cpuSeconds(target.pids);
  const main0 = mainThreadsCpuSeconds(target.pids);
  const load0 = process.cpuUsage();
  const result = await autocannon({
    // autocannon spreads the connections over several URLs (one latency histogram for them all);
    // its type definitions only know a single URL
    url: [...target.urls] as unknown as string,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: op,
        setupRequest: (req) => ({
          ...req,
          path: `/api/store/${keys.next(op)}${target.query[op]}`,
          ...(op === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: value } : {}),
        }),
      },
    ],
  });
  const serverCpu = cpuSeconds(target.pids) - cpu0;
  const mainThreadCpu = mainThreadsCpuSeconds(target.pids) - main0;
  const load = process.cpuUsage(load0);
  const requests = Math.max(1, result.requests.total);
  const gc: GcDuring | undefined = gc0 && gcDuring(gc0, await readGcTotals(target.urls));
  return {
    ...(gc ? { gcUs: gc.pauseUs / requests, majorGcs: gc.major } : {}),
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / (result.duration || seconds),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    serverCpuUs: (serverCpu * 1e6) / requests,
    mainThreadCpuUs: (mainThreadCpu * 1e6) / requests,
    loadCpuUs: (load.user + load.system) / requests,
  };
}

/**
 * The warm-up of each operation before its measured runs, for every target alike: windows of load
 * until one's rate is no more than `rise` above the one before it (the JIT and the caches have
 * settled), at most `maxWindows`. A server's GETs right after a phase of PUTs run at half their
 * rate while the JIT re-optimises the code the two share, and how long that lasts depends on the
 * server: a fixed 5 s left a Ringnest cluster's first measured GET round still rising
 * (4,604 → 5,497 → 6,134 per second over the three rounds), while the baselines had settled.
 */
export const WARM_UP: { readonly windowSeconds: Readonly<Record<HttpOp, number>>; readonly maxWindows: number; readonly rise: number } = {
  windowSeconds: { PUT: 2, GET: 3 },
  // a Ringnest cluster on fresh LMDB files climbs for 15-20 s of PUTs (505 → ~1,400 per second by hand)
  maxWindows: 10,
  rise: 0.05,
};

/** Whether a warm-up whose windows ran at these rates may stop: two windows at least, the last at most `rise` above the one before. */
export function warmedUp(rates: readonly number[], rise = WARM_UP.rise): boolean {
  return rates.length >= 2 && rates[rates.length - 1] <= rates[rates.length - 2] * (1 + rise);
}

/**
 * Seconds of unmeasured load right before each measured run, once the target is resumed, for every
 * target alike. A target stopped while the others ran (30-40 s) starts slower: a Ringnest cluster
 * resumed after 30 s served GETs at 320, 287 and 263 µs of CPU in its first three 3 s windows
 * against 236-244 before the pause. Part of it: V8 had shrunk each node's young generation while
 * the process stood still (scavenges every 15-25 ms freeing 1 MB each instead of every 75-120 ms
 * freeing 13 MB); with the size kept (`--min-semi-space-size`) the first windows were still slower.
 * Without this load each measured run began with a slow stretch the baselines do not have.
 */
export const RESUME_SECONDS: Readonly<Record<HttpOp, number>> = { PUT: 3, GET: 3 };

/** How long the nodes are watched for suspicions after their last pause ends (several probe rounds). */
const SUSPICION_WINDOW_MS = 3000;

/** A target under the judge, its processes started: paused (SIGSTOP) except while it is driven. */
export interface Running {
  readonly target: Target;
  readonly keys: Keys;
}

function signalAll(r: Running, signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of r.target.pids) process.kill(pid, signal);
}

/** Drive `r` for `seconds` of `op` (after `resumeSeconds` of the same load, not measured), resumed only meanwhile. */
export async function driveAlone(r: Running, op: HttpOp, seconds: number, resumeSeconds = 0): Promise<HttpRun> {
  signalAll(r, 'SIGCONT');
  try {
    if (resumeSeconds > 0) await drive(r.target, op, r.keys, resumeSeconds);
    return await drive(r.target, op, r.keys, seconds);
  } finally {
    signalAll(r, 'SIGSTOP');
  }
}

/** Warm `r` up for `op` (see {@link WARM_UP}); the rates of its windows. */
async function warmUp(r: Running, op: HttpOp): Promise<number[]> {
  const rates: number[] = [];
  do rates.push((await driveAlone(r, op, WARM_UP.windowSeconds[op])).requestsPerSecond);
  while (!warmedUp(rates) && rates.length < WARM_UP.maxWindows);
  return rates;
}

/**
 * The targets' runs interleaved: per operation a warm-up of each, then round after round one run
 * of each (in turn forwards and backwards), so that a slow phase of the machine weighs on all of
 * them alike. Only the target under load runs; the others are stopped (SIGSTOP), so that their
 * timers (a cluster's gossip, probes, anti-entropy) take nothing from it; a resumed target gets
 * {@link RESUME_SECONDS} of load before each measured run.
 */
async function measureInterleaved(targets: readonly Running[], seconds: number, runs: number, log: (line: string) => void): Promise<HttpBenchRow[]> {
  const done = new Map<Running, Record<HttpOp, { warmUp: number[]; runs: HttpRun[] }>>(targets.map((r) => [r, { PUT: { warmUp: [], runs: [] }, GET: { warmUp: [], runs: [] } }]));
  for (const op of ['PUT', 'GET'] as const) {
    for (const r of targets) {
      const rates = await warmUp(r, op);
      done.get(r)?.[op].warmUp.push(...rates);
      log(`  ${r.target.name} ${op} warm-up: ${rates.map((x) => Math.round(x)).join(' → ')} req/s in ${WARM_UP.windowSeconds[op]} s windows`);
    }
    for (let i = 0; i < runs; i++) {
      for (const r of i % 2 === 0 ? targets : [...targets].reverse()) {
        const run = await driveAlone(r, op, seconds, RESUME_SECONDS[op]);
        const gc = run.gcUs === undefined ? '' : `, GC ${Math.round(run.gcUs)} µs per request (${run.majorGcs ?? 0} full collections)`;
        log(`  ${r.target.name} ${op} run ${i + 1}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99ms} ms, ${Math.round(run.serverCpuUs)} µs server CPU per request (${Math.round(run.mainThreadCpuUs)} on the main threads)${gc}`);
        done.get(r)?.[op].runs.push(run);
      }
    }
  }
  return targets.flatMap((r) =>
    (['PUT', 'GET'] as const).map((op) => {
      const { warmUp: rates = [], runs: runsOf = [] } = done.get(r)?.[op] ?? {};
      return { target: r.target.name, op, warmUp: rates, runs: runsOf, median: medianRun(runsOf) };
    }),
  );
}

export const TARGETS = ['node:http + Map', 'Nest + fastify + Map', 'replicated floor, 3 processes', 'Ringnest, 3 nodes'] as const;

/** A node's `ringnest_liveness_down_total`: the times it marked a peer down. */
async function downTransitions(node: ClusterNode): Promise<number> {
  const text = await (await fetch(`${node.http}/metrics`)).text();
  const m = /^ringnest_liveness_down_total (\d+)$/m.exec(text);
  if (!m) throw new Error(`${node.name} reports no ringnest_liveness_down_total`);
  return Number(m[1]);
}

export interface HttpBenchResult {
  readonly rows: readonly HttpBenchRow[];
  /** peers marked down by the cluster's nodes while it served the load, with no fault: false suspicions */
  readonly falseSuspicions: number;
}

export async function httpBench(root: string, seconds: number, runs: number, log: (line: string) => void = () => undefined): Promise<HttpBenchResult> {
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const floorDir = benchDir('ringnest-bench-floor-');
  try {
    const single = async (name: string, entry: string): Promise<Running> => {
      const { url, child } = await startBaseline(root, entry);
      children.push(child);
      return { target: { name, urls: [url], pids: [child.pid as number], query: { PUT: '', GET: '' } }, keys: new Keys() };
    };
    const targets: Running[] = [await single(TARGETS[0], 'baseline-node-http'), await single(TARGETS[1], 'baseline-nest')];
    // the replicated floor: three processes, each told the three cluster ports and which is its own
    const clusterPorts = (await freePorts(3)).join(',');
    const started = await Promise.allSettled([0, 1, 2].map((i) => startBaseline(root, 'baseline-replicated-floor', { CLUSTER_PORTS: clusterPorts, INDEX: String(i), DATA_DIR: join(floorDir, `p${i}`) })));
    const floor = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    children.push(...floor.map((p) => p.child));
    if (floor.length < 3) throw new Error('the replicated floor baseline did not start');
    targets.push({ target: { name: TARGETS[2], urls: floor.map((p) => p.url), pids: floor.map((p) => p.child.pid as number), query: { PUT: '', GET: '' } }, keys: new Keys() });
    for (const name of ['http1', 'http2', 'http3']) nodes.push(await startNode(root, name));
    await joinAndSettle(nodes);
    const ringnest: Running = { target: { name: TARGETS[3], urls: nodes.map((n) => n.http), pids: nodes.map((n) => n.pid), query: RINGNEST_QUERY, gcMetrics: true }, keys: new Keys() };
    targets.push(ringnest);
    const before = await Promise.all(nodes.map(downTransitions));
    for (const r of targets) signalAll(r, 'SIGSTOP');
    const rows = await measureInterleaved(targets, seconds, runs, log);
    signalAll(ringnest, 'SIGCONT');
    // a suspicion raised by the last pause would show in the first probe rounds after it
    await new Promise((resolve) => setTimeout(resolve, SUSPICION_WINDOW_MS));
    const after = await Promise.all(nodes.map(downTransitions));
    return { rows, falseSuspicions: after.reduce((sum, n, i) => sum + n - before[i], 0) };
  } finally {
    // a stopped process takes SIGKILL as it is
    stopNodes(nodes);
    await Promise.all(children.map(stopBaseline));
    rmSync(floorDir, { recursive: true, force: true });
  }
}

/** The table of the medians: one line per target, PUT and GET side by side, and Ringnest's share of the Nest baseline and of the replicated floor. */
export function httpTable(rows: readonly HttpBenchRow[]): string {
  const of = (target: string, op: HttpOp) => rows.find((r) => r.target === target && r.op === op)?.median;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const head = ['target', 'PUT/s', 'p99 ms', 'server CPU/PUT', 'GET/s', 'p99 ms', 'server CPU/GET', 'load CPU/req', 'errors'];
  const lines = [head];
  for (const t of TARGETS) {
    const put = of(t, 'PUT');
    const get = of(t, 'GET');
    if (!put || !get) continue;
    lines.push([t, n(put.requestsPerSecond), put.p99ms.toFixed(1), `${n(put.serverCpuUs)} µs`, n(get.requestsPerSecond), get.p99ms.toFixed(1), `${n(get.serverCpuUs)} µs`, `${n((put.loadCpuUs + get.loadCpuUs) / 2)} µs`, String(put.errors + put.non2xx + get.errors + get.non2xx)]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const text = lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const ours = [of(TARGETS[3], 'PUT'), of(TARGETS[3], 'GET')];
  for (const [label, t] of [['Nest baseline', TARGETS[1]], ['replicated floor', TARGETS[2]]] as const) {
    const base = [of(t, 'PUT'), of(t, 'GET')];
    if (!base[0] || !base[1] || !ours[0] || !ours[1]) continue;
    text.push(`Ringnest / ${label}: PUT ${((100 * ours[0].requestsPerSecond) / base[0].requestsPerSecond).toFixed(1)} %, GET ${((100 * ours[1].requestsPerSecond) / base[1].requestsPerSecond).toFixed(1)} %`);
  }
  const split = TARGETS.flatMap((t) => {
    const [p, g] = [of(t, 'PUT'), of(t, 'GET')];
    return p && g ? [`${t} ${n(p.mainThreadCpuUs)} / ${n(g.mainThreadCpuUs)} µs`] : [];
  });
  if (split.length > 0) text.push(`Server CPU on the main threads (event loops; the rest is V8's and libuv's threads), PUT / GET: ${split.join('; ')}`);
  const [put, get] = ours;
  if (put?.gcUs !== undefined && get?.gcUs !== undefined) {
    text.push(`Ringnest GC (main-thread pauses, all nodes): PUT ${n(put.gcUs)} µs per request, ${put.majorGcs ?? 0} full collections per run; GET ${n(get.gcUs)} µs, ${get.majorGcs ?? 0}`);
  }
  return text.join('\n');
}
