/** Arbitrary canonical DVV sets and helpers shared by the DVV specs (src/lib/dvv/*.spec.ts). */
import fc from 'fast-check';
import { Actor, DvvSet, Dot, Sibling, checkState } from '../src/lib/dvv';

export const RUNS = { numRuns: 1000 };
export const dotKey = (d: Dot): string => `${d[0]}/${d[1]}`;

// arbitrary canonical states (any payloads, even two different payloads for one dot: the laws
// must hold for them too)

export const POOL = ['a', 'b', 'c', 'd'];

export const arbState: fc.Arbitrary<DvvSet<number>> = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 4 }), { minLength: POOL.length, maxLength: POOL.length }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })), { maxLength: 6 }),
  )
  .map(([counters, picks]) => {
    const context: [Actor, number][] = [];
    POOL.forEach((a, i) => counters[i] > 0 && context.push([a, counters[i]]));
    const siblings: Sibling<number>[] = [];
    if (context.length > 0) {
      for (const [ai, ci, v] of picks) {
        const [actor, max] = context[ai % context.length];
        const dot: Dot = [actor, (ci % max) + 1];
        if (siblings.some((s) => dotKey(s.dot) === dotKey(dot))) continue;
        siblings.push(v === undefined ? { dot, tombstone: true } : { dot, tombstone: false, value: v });
      }
    }
    return checkState({ context, siblings }) as DvvSet<number>;
  });
