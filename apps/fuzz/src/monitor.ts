/**
 * Watches the nodes under fuzz for the whole run and collects every violation of what a node must
 * do whatever it is sent: stay up (no exit), log no crash (no unhandled rejection / uncaught
 * exception, nothing but JSON lines), answer /health within the bound at every probe, keep its
 * event-loop delay p99 under the bound, keep its RSS under the bound. Probes run in a worker thread
 * (probe-worker.ts); exits and logs are watched here.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { FuzzNode } from './nodes';
import { classifyLogLine, completeLines } from './node-signals';
import { ProbeBounds, ProbeCommand, ProbeMessage, ProbeStats, ProbeWorkerData } from './probe-worker';

export type ViolationKind = 'exit' | 'log' | 'health' | 'event-loop' | 'rss';

export interface Violation {
  readonly node: string;
  readonly kind: ViolationKind;
  /** epoch ms */
  readonly at: number;
  readonly detail: string;
}

export interface NodeReport extends ProbeStats {
  readonly app: string;
  readonly pid: number;
  logLines: number;
  errorLines: number;
  warnLines: number;
  /** the first few error-level messages, for the report */
  readonly errorSamples: string[];
}

const LOG_POLL_MS = 250;
const ERROR_SAMPLES = 10;

interface LogTail {
  offset: number;
  rest: string;
}

export class Monitor {
  private readonly violations: Violation[] = [];
  private seen = 0;
  private readonly worker: Worker;
  private readonly tails = new Map<string, LogTail>();
  private readonly reports = new Map<string, NodeReport>();
  private readonly logTimer: NodeJS.Timeout;
  /** the last statistics the probe thread sent (only used if it does not answer the stop) */
  private latest: readonly ProbeStats[] = [];

  /** `script` is the file the worker thread runs: this program's entry point, which starts the probe loop when it is not the main thread. */
  constructor(
    private readonly nodes: readonly FuzzNode[],
    bounds: ProbeBounds,
    script: string,
  ) {
    for (const n of nodes) {
      this.tails.set(n.name, { offset: 0, rest: '' });
      this.reports.set(n.name, {
        node: n.name,
        app: n.app,
        pid: n.pid,
        probes: 0,
        slowProbes: 0,
        failedProbes: 0,
        maxProbeMs: 0,
        locallyDelayed: 0,
        p99Ms: [],
        maxEventLoopMs: 0,
        startRssMiB: 0,
        maxRssMiB: 0,
        maxAnonMiB: 0,
        lastRssMiB: 0,
        logLines: 0,
        errorLines: 0,
        warnLines: 0,
        errorSamples: [],
      });
      n.child.once('exit', (code, signal) => this.add({ node: n.name, kind: 'exit', at: Date.now(), detail: `the process exited (code ${code}, signal ${signal})` }));
    }
    const data: ProbeWorkerData = { nodes: nodes.map((n) => ({ name: n.name, httpPort: n.httpPort, pid: n.pid })), bounds };
    this.worker = new Worker(script, { workerData: data });
    this.worker.on('message', (m: ProbeMessage) => {
      if (m.type === 'violation') this.add({ node: m.node, kind: m.kind, at: m.at, detail: m.detail });
      else this.latest = m.stats;
    });
    this.worker.on('error', (err) => this.add({ node: '(monitor)', kind: 'health', at: Date.now(), detail: `the probe thread failed: ${err.message}` }));
    this.logTimer = setInterval(() => this.readLogs(), LOG_POLL_MS);
  }

  /** Violations found since the previous call (logs read first). */
  fresh(): Violation[] {
    this.readLogs();
    const out = this.violations.slice(this.seen);
    this.seen = this.violations.length;
    return out;
  }

  all(): readonly Violation[] {
    return this.violations;
  }

  /**
   * Close an event-loop window and open the next: every node's delay histogram is read and reset;
   * with `judge`, a p99 over the bound is a violation of `label` (the window since the previous call).
   */
  async window(judge: boolean, label: string): Promise<void> {
    await this.ask({ type: 'window', judge, label });
  }

  /** Stop probing; the per-node figures of the whole run. */
  async stop(): Promise<NodeReport[]> {
    clearInterval(this.logTimer);
    this.readLogs();
    const final = await this.ask({ type: 'stop' });
    await this.worker.terminate();
    for (const s of final) Object.assign(this.reports.get(s.node) ?? {}, s);
    return [...this.reports.values()];
  }

  /** Send a command; resolves with the statistics the probe thread answers (the last known ones after 10 s without an answer). */
  private ask(cmd: ProbeCommand): Promise<readonly ProbeStats[]> {
    return new Promise<readonly ProbeStats[]>((resolve) => {
      const timer = setTimeout(() => resolve(this.latest), 10_000);
      // violations may still arrive before the answer; the constructor's listener records them
      const onStats = (m: ProbeMessage) => {
        if (m.type !== 'stats') return;
        clearTimeout(timer);
        this.worker.off('message', onStats);
        resolve(m.stats);
      };
      this.worker.on('message', onStats);
      this.worker.postMessage(cmd);
    });
  }

  private add(v: Violation): void {
    this.violations.push(v);
  }

  private readLogs(): void {
    for (const n of this.nodes) {
      const tail = this.tails.get(n.name) as LogTail;
      const report = this.reports.get(n.name) as NodeReport;
      let size: number;
      try {
        size = statSync(n.logFile).size;
      } catch {
        continue;
      }
      if (size <= tail.offset) continue;
      const fd = openSync(n.logFile, 'r');
      try {
        const buf = Buffer.alloc(Math.min(size - tail.offset, 8 * 1024 * 1024));
        const read = readSync(fd, buf, 0, buf.length, tail.offset);
        tail.offset += read;
        const { lines, rest } = completeLines(tail.rest, buf.subarray(0, read).toString('utf8'));
        tail.rest = rest;
        for (const line of lines) {
          report.logLines++;
          const v = classifyLogLine(line);
          if (v.kind === 'bad') {
            this.add({ node: n.name, kind: 'log', at: Date.now(), detail: `${v.why}: ${line.slice(0, 600)}` });
          } else if (v.level === 'error') {
            report.errorLines++;
            if (report.errorSamples.length < ERROR_SAMPLES) report.errorSamples.push(line.slice(0, 400));
          } else if (v.level === 'warn') {
            report.warnLines++;
          }
        }
      } finally {
        closeSync(fd);
      }
    }
  }
}
