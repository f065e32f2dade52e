import fc from 'fast-check';
import { checkState, descends, empty, join, sync } from '.';
import { RUNS, arbState } from '../../../test/dvv-arbitraries';

describe('sync: a join-semilattice on canonical states', () => {
  it('is commutative', () => {
    fc.assert(fc.property(arbState, arbState, (a, b) => expect(sync(a, b)).toEqual(sync(b, a))), RUNS);
  });

  it('is associative', () => {
    fc.assert(fc.property(arbState, arbState, arbState, (a, b, c) => expect(sync(sync(a, b), c)).toEqual(sync(a, sync(b, c)))), RUNS);
  });

  it('is idempotent, has empty() as identity, and returns canonical states', () => {
    fc.assert(
      fc.property(arbState, arbState, (a, b) => {
        expect(sync(a, a)).toEqual(a);
        expect(sync(a, empty())).toEqual(a);
        expect(sync(empty(), a)).toEqual(a);
        const j = sync(a, b);
        expect(checkState(j)).toEqual(j);
        expect(descends(join(j), join(a)) && descends(join(j), join(b))).toBe(true);
      }),
      RUNS,
    );
  });
});
