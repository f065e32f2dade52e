/**
 * Load for the overload scenario: `blast` drives PUTs at every node with autocannon (as fast as
 * the nodes answer, or at a fixed overall rate) and counts the answers by status; a `Prober` sends
 * one PUT every 50 ms through a node of its own choosing, from a thread of its own, and records each
 * answer's status and latency, which is how accepted and refused requests are timed apart under
 * the blast; an `RssSampler` reads the nodes' resident memory from /proc.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface BlastResult {
  /** 2xx answers per second, all nodes together */
  readonly okPerSecond: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
}

export interface BlastOptions {
  readonly seconds: number;
  readonly connectionsPerNode: number;
  /** requests per second per node; absent = as fast as answered */
  readonly ratePerNode?: number;
}

const VALUE = JSON.stringify({ v: 'x'.repeat(100) });

export async function blast(bases: readonly string[], o: BlastOptions): Promise<BlastResult> {
  let i = 0;
  const results = await Promise.all(
    bases.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          autocannon(
            {
              url,
              connections: o.connectionsPerNode,
              duration: o.seconds,
              ...(o.ratePerNode ? { overallRate: o.ratePerNode } : {}),
              timeout: 10,
              requests: [{ method: 'PUT', setupRequest: (req) => ({ ...req, path: `/api/store/load-${i++ % 5000}?n=3&w=2&timeout=2000`, headers: { 'content-type': 'application/json' }, body: VALUE }) }],
            },
            (err, result) => (err ? reject(err) : resolve(result)),
          );
        }),
    ),
  );
  const statuses: Record<string, number> = {};
  let ok = 0;
  for (const r of results) {
    for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) {
      const count = s.count ?? 0;
      statuses[code] = (statuses[code] ?? 0) + count;
      if (code.startsWith('2')) ok += count;
    }
  }
  return { okPerSecond: ok / o.seconds, statuses, errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0) };
}

export interface Probe {
  /** ms on the prober's clock when it was sent */
  readonly at: number;
  /** HTTP status, or 0 for no answer */
  readonly status: number;
  readonly ms: number;
}

/**
 * The probe loop, run in a worker thread of its own: the blast's autocannon clients keep the main
 * thread's event loop busy with thousands of answers a second, and a probe timed there would count
 * that wait as the node's. Times are absolute (time origin + now), the same clock in both threads.
 */
const PROBE_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const now = () => performance.timeOrigin + performance.now();
let running = true;
parentPort.on('message', () => { running = false; });
(async () => {
  for (let n = 0; running; n++) {
    const base = workerData.bases[n % workerData.bases.length];
    const at = now();
    let status = 0;
    try {
      const res = await fetch(base + '/api/store/probe-' + (n % 100) + '?n=3&w=2&timeout=2000', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(n),
        signal: AbortSignal.timeout(10000),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    parentPort.postMessage({ at, status, ms: now() - at });
    await new Promise((r) => setTimeout(r, 50));
  }
  parentPort.postMessage('done');
})();
`;

export class Prober {
  readonly probes: Probe[] = [];
  private worker: Worker | undefined;
  private done: Promise<void> | undefined;

  constructor(private readonly bases: readonly string[]) {}

  /** ms on the probes' clock */
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  start(): void {
    const worker = new Worker(PROBE_LOOP, { eval: true, workerData: { bases: [...this.bases] } });
    this.done = new Promise((resolve, reject) => {
      worker.on('message', (m: Probe | 'done') => (m === 'done' ? resolve() : this.probes.push(m)));
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    this.worker = worker;
  }

  /** Resolves once the probe in flight has answered and the worker has ended. */
  async stop(): Promise<void> {
    this.worker?.postMessage('stop');
    await this.done;
    await this.worker?.terminate();
  }
}

/** The p-th percentile (0..100) of `xs`, or undefined when empty. */
export function percentile(xs: readonly number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class RssSampler {
  /** the largest resident set seen per pid, bytes */
  readonly max = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => readonly number[]) {}

  start(everyMs = 250): void {
    this.timer = setInterval(() => {
      for (const pid of this.pids()) {
        try {
          const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
          this.max.set(pid, Math.max(this.max.get(pid) ?? 0, kb * 1024));
        } catch {
          // the process ended
        }
      }
    }, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
