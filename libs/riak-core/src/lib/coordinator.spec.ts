import fc from 'fast-check';
import { ReadRepairPolicy, ReplicaReply, planRepair, primariesAnswered, primaryCountOf, quorumFailureText } from './coordinator';

/** Replicas hold sets of numbers; the merge is the union; a replica is behind when it misses one. */
const union: ReadRepairPolicy<{ held?: number[] }, ReadonlySet<number>> = {
  stateOf: (r) => (r.held ? new Set(r.held) : undefined),
  merge: (states) => new Set(states.flatMap((s) => [...s])),
  isStale: (s, merged) => !s || [...merged].some((x) => !s.has(x)),
};

const ok = <R>(value: R): ReplicaReply<R> => ({ ok: true, value });
const failed: ReplicaReply<never> = { ok: false, reason: 'down' };

describe('planRepair', () => {
  it('repairs exactly the replicas that answered and are behind the merge', () => {
    const plan = planRepair([ok({ held: [1, 2] }), ok({ held: [1] }), failed, ok({})], union);
    expect(plan.kind).toBe('repair');
    if (plan.kind !== 'repair') return;
    expect([...plan.merged].sort()).toEqual([1, 2]);
    expect(plan.stale).toEqual([1, 3]);
  });

  it('is in sync when every replica that answered holds the merge, failures aside', () => {
    const plan = planRepair([ok({ held: [1] }), failed, ok({ held: [1] })], union);
    expect(plan.kind).toBe('in-sync');
    expect(plan.kind === 'in-sync' && plan.states.map((s) => (s ? [...s] : undefined))).toEqual([[1], undefined, [1]]);
  });

  it('has nothing to merge when no replica answered with a state', () => {
    expect(planRepair([ok({}), failed, ok({})], union)).toEqual({ kind: 'nothing' });
    expect(planRepair([], union)).toEqual({ kind: 'nothing' });
  });

  it('never repairs a failed replica, and after a repair every answering replica would hold the merge', () => {
    const reply = fc.option(fc.option(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), { nil: undefined }), { nil: null });
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 6 }), (raw) => {
        const replies = raw.map((r): ReplicaReply<{ held?: number[] }> => (r === null ? failed : ok({ held: r })));
        const plan = planRepair(replies, union);
        if (plan.kind !== 'repair') return;
        for (const i of plan.stale) expect(replies[i].ok).toBe(true);
        const repaired = replies.map((r, i) => (plan.stale.includes(i) ? ok({ held: [...plan.merged] }) : r));
        expect(planRepair(repaired, union).kind).toBe('in-sync');
      }),
      { numRuns: 300 },
    );
  });
});

describe('primaries', () => {
  const entries = [{ type: 'primary' as const }, { type: 'fallback' as const }, { type: 'primary' as const }];

  it('counts the primaries of a preference list, and those that replied well', () => {
    expect(primaryCountOf(entries)).toBe(2);
    expect(primariesAnswered(entries, [ok(1), ok(2), failed])).toBe(1);
    expect(primariesAnswered(entries, [ok(1), failed, ok(3)])).toBe(2);
  });
});

describe('quorumFailureText', () => {
  it('says what was missing', () => {
    expect(quorumFailureText({ kind: 'timeout', have: 1, need: 2, timeoutMs: 300 })).toBe('1 of 2 replies within 300 ms');
    expect(quorumFailureText({ kind: 'insufficient', have: 0, need: 2 })).toBe('0 vnodes reachable, 2 needed');
    expect(quorumFailureText({ kind: 'insufficient-primaries', have: 1, need: 2 })).toBe('1 primary replicas answered, 2 needed');
  });
});
