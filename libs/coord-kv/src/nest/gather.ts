/**
 * Wait for a quorum of replica replies: resolve as soon as `need` succeeded, reject as soon as that
 * became impossible (503) or at the deadline (504). Replies that arrive after the answer are
 * dropped; nothing waits past the deadline, whatever the replicas do.
 */
import { QuorumState, addFailure, addSuccess, startQuorum, verdict } from '../lib/quorum';
import { VnodeError } from '@ringnest/riak-core';
import { InsufficientVnodesError, QuorumTimeoutError } from './kv.errors';

export interface Gathered<T> {
  readonly ok: readonly T[];
  /** all replies settled so far (ok or not), by replica position, for read repair */
  readonly settled: ReadonlyMap<number, { ok: true; value: T } | { ok: false; reason: string }>;
}

export function gather<T>(replies: Promise<T>[], need: number, timeoutMs: number): Promise<Gathered<T>> {
  return new Promise((resolve, reject) => {
    let state: QuorumState<T> = startQuorum<T>(replies.length, need);
    const settled = new Map<number, { ok: true; value: T } | { ok: false; reason: string }>();
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    let timedOut = false;
    const check = () => {
      const v = verdict(state);
      if (v === 'met') finish(() => resolve({ ok: state.ok, settled }));
      // Replicas that did not answer in time make the request a timeout (504), not unavailable (503).
      else if (v === 'impossible') finish(() => reject(timedOut ? new QuorumTimeoutError(state.ok.length, need, timeoutMs) : new InsufficientVnodesError(state.ok.length, need)));
    };
    const timer = setTimeout(() => finish(() => reject(new QuorumTimeoutError(state.ok.length, need, timeoutMs))), timeoutMs);
    if (replies.length < need) {
      finish(() => reject(new InsufficientVnodesError(replies.length, need)));
      return;
    }
    replies.forEach((p, i) =>
      p.then(
        (value) => {
          settled.set(i, { ok: true, value });
          if (done) return;
          state = addSuccess(state, value);
          check();
        },
        (err: unknown) => {
          settled.set(i, { ok: false, reason: err instanceof Error ? err.message : String(err) });
          if (done) return;
          if (err instanceof VnodeError && err.code === 'timeout') timedOut = true;
          state = addFailure(state, err instanceof Error ? err.message : String(err));
          check();
        },
      ),
    );
  });
}
