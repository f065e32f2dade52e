import fc from 'fast-check';
import { Payload, canReap, checkState, empty, isTombstoneOnly, liveValues, newTombstone, newValue, sameVersion, sync, update, values } from '.';
import { RUNS, arbState } from '../../../test/dvv-arbitraries';

describe('reading and reaping', () => {
  it('values marks tombstones; sameVersion ignores nothing but values', () => {
    const s = sync(update(empty<number>(), newValue(1), 'a'), update(empty<number>(), newTombstone(), 'b'));
    expect(values(s)).toEqual([{ tombstone: false, value: 1 }, { tombstone: true }] satisfies Payload<number>[]);
    expect(liveValues(s)).toEqual([1]);
    expect(isTombstoneOnly(s)).toBe(false);
    expect(isTombstoneOnly(empty())).toBe(false);
    expect(sameVersion(s, checkState(JSON.parse(JSON.stringify(s))))).toBe(true);
    expect(sameVersion(s, update(s, newValue(2), 'a'))).toBe(false);
  });

  it('canReap only when all n replicas hold the same tombstone-only state', () => {
    const t = update(update(empty<number>(), newValue(1), 'a'), newTombstone(), 'a');
    const other = update(update(empty<number>(), newValue(1), 'b'), newTombstone(), 'b');
    expect(canReap([t, t, t], 3)).toBe(true);
    expect(canReap([t, t], 3)).toBe(false);
    expect(canReap([t, t, undefined], 3)).toBe(false);
    expect(canReap([t, t, empty()], 3)).toBe(false);
    expect(canReap([t, t, other], 3)).toBe(false);
    expect(canReap([t, t, sync(t, other)], 3)).toBe(false);
    expect(canReap([], 0)).toBe(false);
    fc.assert(
      fc.property(fc.array(arbState, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (states, n) => {
        if (canReap(states, n)) {
          expect(states.length).toBe(n);
          for (const s of states) {
            expect(isTombstoneOnly(s)).toBe(true);
            expect(s).toEqual(states[0]);
          }
        }
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// the context header and stored states
