/**
 * The probe loop, run in a worker thread so that the fuzzer's own work (generating and sending
 * megabyte inputs) never delays a probe: every PROBE_INTERVAL_MS a fresh-connection `GET /health`
 * to each node, timed; every SCRAPE_INTERVAL_MS the node's event-loop delay p99 from its /metrics
 * (prom-client's `monitorEventLoopDelay` histogram, reset at each scrape, so each value covers one
 * window); every RSS_INTERVAL_MS its VmRSS. Bound violations are posted at once; statistics on
 * request.
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { metricValue, vmRssBytes } from './node-signals';

export const PROBE_INTERVAL_MS = 50;
export const SCRAPE_INTERVAL_MS = 5000;
export const RSS_INTERVAL_MS = 500;
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
  maxProbeMs: number;
  /** the p99 of every scrape window, ms */
  p99Ms: number[];
  maxEventLoopMs: number;
  startRssMiB: number;
  maxRssMiB: number;
  lastRssMiB: number;
}

export type ProbeMessage =
  | { readonly type: 'violation'; readonly node: string; readonly kind: 'health' | 'event-loop' | 'rss'; readonly at: number; readonly detail: string }
  | { readonly type: 'stats'; readonly stats: readonly ProbeStats[] };

export type ProbeCommand = { readonly type: 'stats' } | { readonly type: 'stop' };

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
  const violation = (node: string, kind: 'health' | 'event-loop' | 'rss', detail: string) => port.postMessage({ type: 'violation', node, kind, at: Date.now(), detail } satisfies ProbeMessage);

  for (const n of data.nodes) {
    const s: ProbeStats = { node: n.name, probes: 0, slowProbes: 0, failedProbes: 0, maxProbeMs: 0, p99Ms: [], maxEventLoopMs: 0, startRssMiB: 0, maxRssMiB: 0, lastRssMiB: 0 };
    stats.set(n.name, s);
    timers.push(
      setInterval(() => {
        if (busy.has(n.name)) return; // the previous probe is still out; it reports its own time
        busy.add(n.name);
        const started = performance.now();
        httpGet(n.httpPort, '/health', 2000).then(
          (res) => {
            const ms = performance.now() - started;
            s.probes++;
            s.maxProbeMs = Math.max(s.maxProbeMs, ms);
            if (res.status !== 200) {
              s.failedProbes++;
              violation(n.name, 'health', `/health answered ${res.status}`);
            } else if (ms > bounds.healthMs) {
              s.slowProbes++;
              violation(n.name, 'health', `/health took ${ms.toFixed(1)} ms (bound ${bounds.healthMs} ms)`);
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
    timers.push(
      setInterval(() => {
        httpGet(n.httpPort, '/metrics', 5000).then(
          (res) => {
            const p99 = metricValue(res.body, EVENT_LOOP_P99_METRIC);
            const max = metricValue(res.body, EVENT_LOOP_MAX_METRIC);
            if (p99 === undefined) return violation(n.name, 'event-loop', `/metrics has no ${EVENT_LOOP_P99_METRIC}`);
            const ms = p99 * 1000;
            s.p99Ms.push(ms);
            s.maxEventLoopMs = Math.max(s.maxEventLoopMs, (max ?? 0) * 1000);
            if (ms > bounds.eventLoopP99Ms) violation(n.name, 'event-loop', `event-loop delay p99 ${ms.toFixed(1)} ms over the last ${SCRAPE_INTERVAL_MS / 1000} s (bound ${bounds.eventLoopP99Ms} ms; max ${((max ?? 0) * 1000).toFixed(0)} ms)`);
            return undefined;
          },
          (err: unknown) => violation(n.name, 'event-loop', `/metrics failed: ${(err as Error).message}`),
        );
      }, SCRAPE_INTERVAL_MS),
    );
    const sampleRss = () => {
      let text: string;
      try {
        text = readFileSync(`/proc/${n.pid}/status`, 'utf8');
      } catch {
        return; // gone: the exit is reported by the main thread
      }
      const bytes = vmRssBytes(text);
      if (bytes === undefined) return;
      const mib = bytes / MiB;
      if (s.startRssMiB === 0) s.startRssMiB = mib;
      s.lastRssMiB = mib;
      if (mib > s.maxRssMiB) {
        if (mib > bounds.maxRssMiB && s.maxRssMiB <= bounds.maxRssMiB) violation(n.name, 'rss', `RSS ${mib.toFixed(0)} MiB (bound ${bounds.maxRssMiB} MiB)`);
        s.maxRssMiB = mib;
      }
    };
    sampleRss();
    timers.push(setInterval(sampleRss, RSS_INTERVAL_MS));
  }

  port.on('message', (cmd: ProbeCommand) => {
    port.postMessage({ type: 'stats', stats: [...stats.values()] } satisfies ProbeMessage);
    if (cmd.type === 'stop') {
      timers.forEach(clearInterval);
      port.close();
    }
  });
}
