import fc from 'fast-check';
import { HashTree } from './hash-tree';
import { decodeTreeSnapshot } from './tree-codec';
import { treeShape } from './tree-shape';
import { VnodeTrees } from './vnode-trees';
import { p, ps } from '../../testing/names';

const SHAPE = treeShape({ segments: 16, width: 4 });
const RANGES = ps(3, 2, 1);
/** a key's range: its first character's code, mod 4 (range 0 is not covered) */
const rangeOf = (key: string) => p((key.charCodeAt(0) || 0) % 4);
const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'ab', 'bc', 'cd');
const digestArb = fc.constantFrom('v1', 'v2', 'v3');

/** The trees a vnode holding `data` should have: each covered range's keys, nothing else. */
function expected(data: ReadonlyMap<string, string>): Map<number, string> {
  return new Map(RANGES.map((r) => [r, HashTree.of([...data].filter(([k]) => rangeOf(k) === r), SHAPE).root()]));
}

function roots(trees: VnodeTrees): Map<number, string | undefined> {
  return new Map(RANGES.map((r) => [r, trees.tree(r)?.root()]));
}

type Step = { kind: 'write'; key: string; digest: string | undefined } | { kind: 'fold' };

describe('VnodeTrees', () => {
  it('are not ready until a build finishes, and then hold each covered range\'s keys only', () => {
    const t = new VnodeTrees(RANGES, rangeOf, SHAPE);
    t.update('a', 'v1');
    expect([t.ready, t.tree(p(1))]).toEqual([false, undefined]);
    t.startBuild();
    for (const [k, d] of [['a', 'v1'], ['c', 'v1'], ['h', 'v2']] as const) t.folded(k, d);
    t.finishBuild(42);
    expect([t.ready, t.building, t.builtAt, t.size]).toEqual([true, false, 42, 2]); // 'h' is in range 0: not covered
    expect(t.tree(p(1))?.get('a')).toBe('v1');
  });

  it('a build racing with writes ends with the writes: a fold item older than a write never wins', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(keyArb, digestArb), { selector: ([k]) => k }),
        fc.array(fc.oneof(fc.record({ kind: fc.constant('write' as const), key: keyArb, digest: fc.option(digestArb, { nil: undefined }) }), fc.constant({ kind: 'fold' } as const)), { maxLength: 40 }),
        (initial, steps: Step[]) => {
          // the store, read by a fold that hands out the values it read earlier (read-ahead)
          const store = new Map<string, string>(initial);
          const trees = new VnodeTrees(RANGES, rangeOf, SHAPE);
          trees.startBuild();
          const snapshot: [string, string][] = [...store];
          let next = 0;
          const write = (key: string, digest: string | undefined) => {
            if (digest === undefined) store.delete(key);
            else store.set(key, digest);
            trees.update(key, digest);
          };
          for (const s of steps) {
            if (s.kind === 'write') write(s.key, s.digest);
            else if (next < snapshot.length) trees.folded(...snapshot[next++]);
          }
          while (next < snapshot.length) trees.folded(...snapshot[next++]);
          trees.finishBuild(1);
          expect(roots(trees)).toEqual(expected(store));
        },
      ),
    );
  });

  it('a rebuild keeps the ready trees serving (and updated) until it finishes', () => {
    const t = new VnodeTrees(RANGES, rangeOf, SHAPE);
    t.startBuild();
    t.folded('a', 'v1');
    t.finishBuild(1);
    t.startBuild();
    t.update('e', 'v2');
    expect([t.ready, t.tree(p(1))?.get('e')]).toEqual([true, 'v2']);
    t.abortBuild();
    expect([t.building, t.tree(p(1))?.get('a')]).toEqual([false, 'v1']);
  });

  it('restore from their snapshots, and refuse a set with a range missing or corrupt', () => {
    const t = new VnodeTrees(RANGES, rangeOf, SHAPE);
    t.startBuild();
    for (const k of ['a', 'b', 'c', 'ab']) t.folded(k, 'v1');
    t.finishBuild(7);
    const snaps = new Map(t.snapshots().map(([r, bytes]) => [r, decodeTreeSnapshot(bytes)]));
    const back = new VnodeTrees(RANGES, rangeOf, SHAPE);
    expect(back.restore(snaps)).toBe(true);
    expect([roots(back), back.builtAt, back.size]).toEqual([roots(t), 7, 4]);

    const missing = new Map(snaps);
    missing.delete(p(2));
    expect(new VnodeTrees(RANGES, rangeOf, SHAPE).restore(missing)).toBe(false);
    const corrupt = new Map(snaps).set(p(2), { kind: 'corrupt', reason: 'bad checksum' });
    const c = new VnodeTrees(RANGES, rangeOf, SHAPE);
    expect([c.restore(corrupt), c.ready]).toEqual([false, false]);
    const otherShape = new VnodeTrees(RANGES, rangeOf, treeShape({ segments: 64, width: 4 }));
    expect(otherShape.restore(snaps)).toBe(false);
  });

  it('skip keys the trees cannot hold instead of failing the write that reported them', () => {
    const t = new VnodeTrees(RANGES, rangeOf, SHAPE);
    t.startBuild();
    t.finishBuild(1);
    expect(() => t.update('a\ud800', 'v1')).not.toThrow();
    expect(t.size).toBe(0);
  });
});
