/**
 * The quorum count of one coordinated request, as a pure reducer (riak_kv_put_fsm /
 * riak_kv_get_fsm's counting, without the process): replies come in one at a time; the request
 * succeeds as soon as `need` replicas answered well, and fails as soon as that has become
 * impossible. The coordinator only sends, times out and answers.
 */
export interface QuorumState<T> {
  /** replicas asked */
  readonly asked: number;
  /** successes needed (W or R) */
  readonly need: number;
  readonly ok: readonly T[];
  readonly failed: readonly string[];
}

export type QuorumVerdict = 'pending' | 'met' | 'impossible';

export function startQuorum<T>(asked: number, need: number): QuorumState<T> {
  if (!Number.isInteger(need) || need < 1) throw new RangeError(`need must be a positive integer, got ${need}`);
  return { asked, need, ok: [], failed: [] };
}

export function addSuccess<T>(s: QuorumState<T>, reply: T): QuorumState<T> {
  return { ...s, ok: [...s.ok, reply] };
}

export function addFailure<T>(s: QuorumState<T>, reason: string): QuorumState<T> {
  return { ...s, failed: [...s.failed, reason] };
}

export function verdict<T>(s: QuorumState<T>): QuorumVerdict {
  if (s.ok.length >= s.need) return 'met';
  if (s.asked - s.failed.length < s.need) return 'impossible';
  return 'pending';
}
