/**
 * The probe loop, run in a worker thread so that the fuzzer's own work (generating and sending
 * megabyte inputs) never delays a probe: every PROBE_INTERVAL_MS a fresh-connection `GET /health`
 * to each node, timed (less this thread's own scheduling delay meanwhile); on request (a `window`
 * command: at the start and the end of each target's share) the node's event-loop delay p99 from
 * its /metrics (prom-client's `monitorEventLoopDelay` histogram, reset at each scrape, so the value
 * read at the end of a share covers that whole share); every RSS_INTERVAL_MS its VmRSS. Bound
 * violations are posted at once; statistics on request.
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { metricValue, rssParts } from './node-signals';

export const PROBE_INTERVAL_MS = 50;
export const RSS_INTERVAL_MS = 500;
const TICK_MS = 10;
export const EVENT_LOOP_P99_METRIC = 'ringnest_nodejs_eventloop_lag_p99_seconds';
export const EVENT_LOOP_MAX_METRIC = 'ringnest_nodejs_eventloop_lag_max_seconds';

export interface ProbeTarget {
  readonly name: string;
  readonly httpPort: number;
  readonly pid: number;
}

export interface ProbeBounds {
  readonly healthMs: number;
  readonly eventLoopP99Ms: number;
  readonly maxRssMiB: number;
}

export interface ProbeWorkerData {
  readonly nodes: readonly ProbeTarget[];
  readonly bounds: ProbeBounds;
}

export interface ProbeStats {
  readonly node: string;
  probes: number;
  slowProbes: number;
  failedProbes: number;
  /** the node's share of the slowest probe, ms (the prober's own scheduling delay taken off) */
  maxProbeMs: number;
  /** probes during which the prober itself ran late by more than half the bound (a busy machine) */
  locallyDelayed: number;
  /** the p99 of every scrape window, ms */
  p99Ms: number[];
  maxEventLoopMs: number;
  startRssMiB: number;
  maxRssMiB: number;
  /** the most anonymous memory (heap, buffers) seen, MiB: RSS less the file pages it maps */
  maxAnonMiB: number;
  lastRssMiB: number;
}

export type ProbeMessage =
  | { readonly type: 'violation'; readonly node: string; readonly kind: 'health' | 'event-loop' | 'rss'; readonly at: number; readonly detail: string }
  | { readonly type: 'stats'; readonly stats: readonly ProbeStats[] };

export type ProbeCommand =
  | { readonly type: 'stats' }
  | { readonly type: 'stop' }
  /** read every node's event-loop delay since the previous window (which resets it); `judge` against the bound, naming the window `label` */
  | { readonly type: 'window'; readonly judge: boolean; readonly label: string };

function httpGet(port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Runs until told to stop; the worker's entry point. */
export function runProbeWorker(data: ProbeWorkerData): void {
  const port = parentPort;
  if (!port) throw new Error('runProbeWorker runs in a worker thread');
  const { bounds } = data;
  const MiB = 1024 * 1024;
  const stats = new Map<string, ProbeStats>();
  const busy = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  /** per node: read (and reset) its event-loop delay histogram */
  const scrapers = new Map<string, (judge: boolean, label: string) => Promise<void>>();
  const violation = (node: string, kind: 'health' | 'event-loop' | 'rss', detail: string) => port.postMessage({ type: 'violation', node, kind, at: Date.now(), detail } satisfies ProbeMessage);

  // This thread's own scheduling delay: ticks every TICK_MS record how late they ran. A probe's time
  // minus the worst delay of this thread while it was out is the node's share; a machine too busy to
  // run the prober is not a slow node.
  const ticks: { at: number; late: number }[] = [];
  let lastTick = performance.now();
  timers.push(
    setInterval(() => {
      const now = performance.now();
      ticks.push({ at: now, late: Math.max(0, now - lastTick - TICK_MS) });
      lastTick = now;
      while (ticks.length > 0 && ticks[0].at < now - 10_000) ticks.shift();
    }, TICK_MS),
  );
  const localDelay = (from: number, to: number): number => {
    let worst = 0;
    for (const t of ticks) if (t.at >= from && t.at <= to + TICK_MS) worst = Math.max(worst, t.late);
    return worst;
  };

  for (const n of data.nodes) {
    const s: ProbeStats = { node: n.name, probes: 0, slowProbes: 0, failedProbes: 0, maxProbeMs: 0, locallyDelayed: 0, p99Ms: [], maxEventLoopMs: 0, startRssMiB: 0, maxRssMiB: 0, maxAnonMiB: 0, lastRssMiB: 0 };
    stats.set(n.name, s);
    timers.push(
      setInterval(() => {
        if (busy.has(n.name)) return; // the previous probe is still out; it reports its own time
        busy.add(n.name);
        const started = performance.now();
        httpGet(n.httpPort, '/health', 2000).then(
          (res) => {
            const ended = performance.now();
            const local = localDelay(started, ended);
            const ms = Math.max(0, ended - started - local);
            s.probes++;
            s.maxProbeMs = Math.max(s.maxProbeMs, ms);
            if (local > bounds.healthMs / 2) s.locallyDelayed++;
            if (res.status !== 200) {
              s.failedProbes++;
              violation(n.name, 'health', `/health answered ${res.status}`);
            } else if (ms > bounds.healthMs) {
              s.slowProbes++;
              violation(n.name, 'health', `/health took ${ms.toFixed(1)} ms (bound ${bounds.healthMs} ms; ${(ended - started).toFixed(1)} ms measured, of which the prober itself was delayed ${local.toFixed(1)} ms)`);
            }
            busy.delete(n.name);
          },
          (err: unknown) => {
            s.probes++;
            s.failedProbes++;
            violation(n.name, 'health', `/health failed after ${(performance.now() - started).toFixed(0)} ms: ${(err as Error).message}`);
            busy.delete(n.name);
          },
        );
      }, PROBE_INTERVAL_MS),
    );
    scrapers.set(n.name, (judge, label) =>
      httpGet(n.httpPort, '/metrics', 5000).then(
        (res) => {
          if (!judge) return undefined;
          const p99 = metricValue(res.body, EVENT_LOOP_P99_METRIC);
          const max = metricValue(res.body, EVENT_LOOP_MAX_METRIC);
          if (p99 === undefined) return violation(n.name, 'event-loop', `/metrics has no ${EVENT_LOOP_P99_METRIC}`);
          const ms = p99 * 1000;
          s.p99Ms.push(ms);
          s.maxEventLoopMs = Math.max(s.maxEventLoopMs, (max ?? 0) * 1000);
          if (ms > bounds.eventLoopP99Ms) violation(n.name, 'event-loop', `event-loop delay p99 ${ms.toFixed(1)} ms over ${label} (bound ${bounds.eventLoopP99Ms} ms; max ${((max ?? 0) * 1000).toFixed(0)} ms)`);
          return undefined;
        },
        (err: unknown) => violation(n.name, 'event-loop', `/metrics failed: ${(err as Error).message}`),
      ),
    );
    const sampleRss = () => {
      let text: string;
      try {
        text = readFileSync(`/proc/${n.pid}/status`, 'utf8');
      } catch {
        return; // gone: the exit is reported by the main thread
      }
      const parts = rssParts(text);
      if (parts === undefined) return;
      const mib = parts.rss / MiB;
      if (s.startRssMiB === 0) s.startRssMiB = mib;
      s.lastRssMiB = mib;
      // The bound is on anonymous memory (heap, buffers): what input could exhaust. File pages are
      // LMDB's memory map of the data the node stores, page cache the kernel reclaims at will.
      const anon = parts.anon / MiB;
      if (anon > bounds.maxRssMiB && s.maxAnonMiB <= bounds.maxRssMiB) {
        violation(n.name, 'rss', `RSS ${mib.toFixed(0)} MiB: ${anon.toFixed(0)} anonymous (bound ${bounds.maxRssMiB} MiB), ${(parts.file / MiB).toFixed(0)} file pages`);
      }
      s.maxAnonMiB = Math.max(s.maxAnonMiB, anon);
      s.maxRssMiB = Math.max(s.maxRssMiB, mib);
    };
    sampleRss();
    timers.push(setInterval(sampleRss, RSS_INTERVAL_MS));
  }

  port.on('message', async (cmd: ProbeCommand) => {
    if (cmd.type === 'window') await Promise.all([...scrapers.values()].map((scrape) => scrape(cmd.judge, cmd.label)));
    port.postMessage({ type: 'stats', stats: [...stats.values()] } satisfies ProbeMessage);
    if (cmd.type === 'stop') {
      timers.forEach(clearInterval);
      port.close();
    }
  });
}
