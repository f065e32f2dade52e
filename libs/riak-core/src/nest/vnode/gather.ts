/**
 * Wait for a quorum of replica replies (the counting half of riak_kv's put/get FSMs, for any
 * service): resolve as soon as `need` succeeded, reject with `QuorumError` as soon as that became
 * impossible ('insufficient') or at the deadline ('timeout'). Replies that arrive after the answer
 * are dropped; nothing waits past the deadline, whatever the replicas do.
 *
 * With `spare` replicas, only `replies` were asked at first: the spares are asked too (once, all of
 * them) as soon as one reply fails or when the quorum is not met within `spare.afterMs`, so a slow
 * or failed replica costs one extra wait instead of the request.
 */
import { QuorumState, addFailure, addSuccess, startQuorum, verdict } from '../../lib/quorum';
import { VnodeError } from './vnode-error';

export interface Gathered<T> {
  readonly ok: readonly T[];
  /** all replies settled so far (ok or not), by replica position, for read repair */
  readonly settled: ReadonlyMap<number, { ok: true; value: T } | { ok: false; reason: string }>;
}

/** Why a quorum was not reached: too few replicas could answer, or not in time. */
export class QuorumError extends Error {
  constructor(
    readonly kind: 'insufficient' | 'timeout',
    /** successful replies received */
    readonly have: number,
    readonly need: number,
    readonly timeoutMs: number,
  ) {
    super(kind === 'timeout' ? `${have} of ${need} replies within ${timeoutMs} ms` : `${have} vnodes reachable, ${need} needed`);
    this.name = 'QuorumError';
  }
}

/** Replicas not asked yet, and how to ask them. */
export interface SpareReplicas<T> {
  readonly count: number;
  /** ask the spares when the quorum is not met within this many ms */
  readonly afterMs: number;
  /** ask them: one promise per spare */
  ask(): Promise<T>[];
}

export function gather<T>(replies: Promise<T>[], need: number, timeoutMs: number, spare?: SpareReplicas<T>): Promise<Gathered<T>> {
  return new Promise((resolve, reject) => {
    let state: QuorumState<T> = startQuorum<T>(replies.length + (spare?.count ?? 0), need);
    const settled = new Map<number, { ok: true; value: T } | { ok: false; reason: string }>();
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(hedge);
      fn();
    };
    let timedOut = false;
    const fail = (kind: QuorumError['kind']) => new QuorumError(kind, state.ok.length, need, timeoutMs);
    const check = () => {
      const v = verdict(state);
      if (v === 'met') finish(() => resolve({ ok: state.ok, settled }));
      // Replicas that did not answer in time make the request a timeout, not unavailable.
      else if (v === 'impossible') finish(() => reject(fail(timedOut ? 'timeout' : 'insufficient')));
    };
    const timer = setTimeout(() => finish(() => reject(fail('timeout'))), timeoutMs);
    let hedge: ReturnType<typeof setTimeout> | undefined;
    let spareAsked = false;
    const askSpares = () => {
      if (!spare || spareAsked || done) return;
      spareAsked = true;
      clearTimeout(hedge);
      const first = replies.length;
      spare.ask().forEach((p, j) => watch(p, first + j));
    };
    const watch = (p: Promise<T>, i: number) =>
      p.then(
        (value) => {
          settled.set(i, { ok: true, value });
          if (done) return;
          state = addSuccess(state, value);
          check();
        },
        (err: unknown) => {
          const reason = err instanceof Error ? err.message : String(err);
          settled.set(i, { ok: false, reason });
          if (done) return;
          if (err instanceof VnodeError && err.code === 'timeout') timedOut = true;
          state = addFailure(state, reason);
          askSpares();
          check();
        },
      );
    if (state.asked < need) {
      finish(() => reject(fail('insufficient')));
      return;
    }
    if (spare && spare.count > 0) hedge = setTimeout(askSpares, spare.afterMs);
    replies.forEach(watch);
  });
}
