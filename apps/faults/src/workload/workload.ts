/**
 * Clients of the set workload: `processes` loops, each bound to one node (clients on every side
 * of a partition), one operation at a time, recording every invocation and completion. The choice
 * of operation and key is seeded; what the cluster answers is not.
 */
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '@ringnest/riak-core';
import { HistoryOp } from '../history/history';
import { KvTarget, SetClient } from './set-client';

/** The seeded PRNG of the run: the same seed, the same sequence. */
export const prng = mulberry32;

export interface WorkloadOptions {
  readonly seed: number;
  readonly keys: readonly string[];
  /** the node each client process talks to; process p uses targets[p % targets.length]... */
  readonly targets: () => readonly KvTarget[];
  readonly processes: number;
  /** share of adds, reads, deletes (the rest are reads) */
  readonly addShare?: number;
  readonly deleteShare?: number;
  /** pause between a process's operations, ms */
  readonly thinkMs?: number;
}

export class Recorder {
  readonly ops: HistoryOp[] = [];
  private readonly t0 = performance.now();

  now(): number {
    return Math.round((performance.now() - this.t0) * 1000) / 1000;
  }

  record(op: Omit<HistoryOp, 'time'>): void {
    this.ops.push({ ...op, time: this.now() });
  }
}

export class Workload {
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly options: WorkloadOptions,
    private readonly client: SetClient,
    readonly recorder: Recorder,
  ) {}

  start(): void {
    for (let p = 0; p < this.options.processes; p++) this.loops.push(this.loop(p));
  }

  /** Lets every process finish its current operation (each is bounded by its timeout), then resolves. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(p: number): Promise<void> {
    const rnd = prng(this.options.seed * 1000 + p);
    const { keys } = this.options;
    const addShare = this.options.addShare ?? 0.6;
    const deleteShare = this.options.deleteShare ?? 0.05;
    let seq = 0;
    while (this.running) {
      const targets = this.options.targets();
      const t = targets[p % targets.length];
      const key = keys[Math.floor(rnd() * keys.length)];
      const dice = rnd();
      const base = { process: p, key, node: t.name };
      if (dice < addShare) {
        const element = `${p}-${seq++}`;
        this.recorder.record({ ...base, type: 'invoke', f: 'add', element });
        const { saw, outcome } = await this.client.add(t, key, element);
        this.recorder.record({ ...base, type: outcome.type, f: 'add', element, saw, error: outcome.type === 'ok' ? undefined : outcome.error });
      } else if (dice < addShare + deleteShare) {
        this.recorder.record({ ...base, type: 'invoke', f: 'delete' });
        const { saw, outcome } = await this.client.delete(t, key);
        this.recorder.record({ ...base, type: outcome.type, f: 'delete', saw, error: outcome.type === 'ok' ? undefined : outcome.error });
      } else {
        this.recorder.record({ ...base, type: 'invoke', f: 'read' });
        const r = await this.client.read(t, key);
        if (r.type === 'ok') this.recorder.record({ ...base, type: 'ok', f: 'read', read: r.value.elements, siblings: r.value.siblings });
        else this.recorder.record({ ...base, type: 'fail', f: 'read', error: r.error });
      }
      const think = this.options.thinkMs ?? 20;
      if (think > 0) await new Promise((r) => setTimeout(r, think * (0.5 + rnd())));
    }
  }
}
