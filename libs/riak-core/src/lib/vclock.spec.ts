import fc from 'fast-check';
import { VClock, clocksEqual, compareClocks, descends, emptyClock, increment, mergeClocks, sortClock } from './vclock';

const RUNS = 1000;
const ACTORS = ['a', 'b', 'c', 'd'];
const arbClock: fc.Arbitrary<VClock> = fc.dictionary(fc.constantFrom(...ACTORS), fc.nat({ max: 5 }), { maxKeys: 4 });
const arbActor = fc.constantFrom(...ACTORS, 'e');

/** Canonical serialisation: zero entries dropped, actors sorted. */
const canon = (c: VClock): string => JSON.stringify(sortClock(c));

describe('vclock unit behaviour', () => {
  it('increment adds one for the actor and leaves the input untouched', () => {
    const c = { a: 1 };
    const d = increment(c, 'a');
    expect(d).toEqual({ a: 2 });
    expect(c).toEqual({ a: 1 });
    expect(increment(emptyClock, 'x')).toEqual({ x: 1 });
    expect(increment({ a: 3 }, 'b')).toEqual({ a: 3, b: 1 });
  });

  it('merge is the pointwise maximum', () => {
    const m = mergeClocks({ b: 1, a: 5 }, { a: 2, c: 3 });
    expect(m).toEqual({ a: 5, b: 1, c: 3 });
    expect(Object.keys(sortClock(m))).toEqual(['a', 'b', 'c']);
    expect(mergeClocks()).toEqual({});
  });

  it('compare covers all four cases, missing entries count as zero', () => {
    expect(compareClocks({ a: 1 }, { a: 1, b: 0 })).toBe('equal');
    expect(compareClocks({ a: 1 }, { a: 2 })).toBe('before');
    expect(compareClocks({ a: 2, b: 1 }, { a: 2 })).toBe('after');
    expect(compareClocks({ a: 1 }, { b: 1 })).toBe('concurrent');
    expect(compareClocks(emptyClock, { a: 1 })).toBe('before');
    expect(descends({ a: 1 }, emptyClock)).toBe(true);
    expect(descends(emptyClock, { a: 1 })).toBe(false);
  });

  it('sortClock drops zero entries and sorts actors', () => {
    expect(Object.entries(sortClock({ c: 1, a: 0, b: 2 }))).toEqual([
      ['b', 2],
      ['c', 1],
    ]);
  });
});

describe('vclock merge laws', () => {
  it('commutative', () => {
    fc.assert(
      fc.property(arbClock, arbClock, (a, b) => {
        expect(canon(mergeClocks(a, b))).toBe(canon(mergeClocks(b, a)));
      }),
      { numRuns: RUNS },
    );
  });

  it('associative', () => {
    fc.assert(
      fc.property(arbClock, arbClock, arbClock, (a, b, c) => {
        expect(canon(mergeClocks(mergeClocks(a, b), c))).toBe(canon(mergeClocks(a, mergeClocks(b, c))));
        expect(canon(mergeClocks(a, b, c))).toBe(canon(mergeClocks(mergeClocks(a, b), c)));
      }),
      { numRuns: RUNS },
    );
  });

  it('idempotent', () => {
    fc.assert(
      fc.property(arbClock, (a) => {
        expect(canon(mergeClocks(a, a))).toBe(canon(a));
        expect(clocksEqual(mergeClocks(a), a)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('the merge descends both inputs and is the least such clock', () => {
    fc.assert(
      fc.property(arbClock, arbClock, arbClock, (a, b, c) => {
        const m = mergeClocks(a, b);
        expect(descends(m, a)).toBe(true);
        expect(descends(m, b)).toBe(true);
        // least upper bound: any clock descending both descends the merge
        if (descends(c, a) && descends(c, b)) expect(descends(c, m)).toBe(true);
        // the merge only holds counters that come from an input
        for (const [actor, n] of Object.entries(m)) expect(n).toBe(Math.max(a[actor] ?? 0, b[actor] ?? 0));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('vclock comparison', () => {
  const flip = { equal: 'equal', before: 'after', after: 'before', concurrent: 'concurrent' } as const;

  it('before/after are symmetric and consistent with descends and clocksEqual', () => {
    fc.assert(
      fc.property(arbClock, arbClock, (a, b) => {
        const ab = compareClocks(a, b);
        expect(compareClocks(b, a)).toBe(flip[ab]);
        expect(ab === 'equal').toBe(clocksEqual(a, b));
        expect(ab === 'equal' || ab === 'after').toBe(descends(a, b));
        expect(ab === 'equal' || ab === 'before').toBe(descends(b, a));
        expect(ab === 'equal').toBe(canon(a) === canon(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('descends is transitive', () => {
    fc.assert(
      fc.property(arbClock, arbClock, arbClock, (a, b, c) => {
        if (descends(a, b) && descends(b, c)) expect(descends(a, c)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('increment is strictly after its input (and after anything the input descends)', () => {
    fc.assert(
      fc.property(arbClock, arbClock, arbActor, (a, b, actor) => {
        const i = increment(a, actor);
        expect(compareClocks(i, a)).toBe('after');
        expect(compareClocks(a, i)).toBe('before');
        expect(i[actor]).toBe((a[actor] ?? 0) + 1);
        if (descends(a, b)) expect(compareClocks(i, b)).toBe('after');
      }),
      { numRuns: RUNS },
    );
  });

  it('two increments of the same clock by different actors are concurrent', () => {
    fc.assert(
      fc.property(arbClock, arbActor, arbActor, (a, x, y) => {
        fc.pre(x !== y);
        expect(compareClocks(increment(a, x), increment(a, y))).toBe('concurrent');
      }),
      { numRuns: RUNS },
    );
  });
});
