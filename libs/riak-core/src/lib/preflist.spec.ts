import fc from 'fast-check';
import { PartitionIndex, keyIndex, partitionIndices, partitionWidth, responsibleIndex, successorsOf, wrapIndex } from './chash';
import { claim, spreadViolations } from './claim';
import {
  AnnotatedEntry,
  PreflistEntry,
  getApl,
  getAplAnn,
  getPrimaryApl,
  keyAplAnn,
  keyPreflist,
  keyPrimaryApl,
  primaryPreflist,
} from './preflist';
import { NodeName } from './ring';
import { nodes, p } from '../testing/names';

/** Each run builds a ring of at most 64 entries and walks it a few times: 1000 runs take well under a second. */
const RUNS = 1000;
const POOL = nodes('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');

interface Case {
  owners: NodeName[];
  first: PartitionIndex;
  n: number;
  up: Set<NodeName>;
}

/** Arbitrary (unbalanced) owners over a few nodes, an arbitrary up set, n from 0 to past Q. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    q: fc.constantFrom(8, 16, 32, 64),
    nodes: fc.integer({ min: 1, max: POOL.length }),
    seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    upMask: fc.array(fc.boolean(), { minLength: POOL.length, maxLength: POOL.length }),
    first: fc.nat(),
    n: fc.integer({ min: 0, max: 10 }),
  })
  .map(({ q, nodes, seed, upMask, first, n }) => ({
    owners: Array.from({ length: q }, (_, i) => POOL[seed[i] % nodes]),
    first: wrapIndex(first, q),
    n: n === 10 ? q + 1 : n,
    up: new Set(POOL.filter((_, i) => upMask[i])),
  }));

/**
 * Reference model: a direct transcription of riak_core_apl:get_apl_ann over lists (split the
 * rotated ring at n, partition the primaries by liveness, pair each down primary with the next up
 * entry of the rest).
 */
function modelAplAnn({ owners, first, n, up }: Case): AnnotatedEntry[] {
  const q = owners.length;
  const ring = [...owners.keys()].map((i) => wrapIndex(first + i, q)).map((index) => ({ index, node: owners[index] }));
  const primaries = ring.slice(0, Math.min(n, q));
  const rest = ring.slice(Math.min(n, q));
  const upPrimaries = primaries.filter((e) => up.has(e.node)).map((e): AnnotatedEntry => ({ ...e, type: 'primary' }));
  const pangs = primaries.filter((e) => !up.has(e.node));
  const findFallbacks = (ps: PreflistEntry[], fs: PreflistEntry[]): AnnotatedEntry[] => {
    if (ps.length === 0 || fs.length === 0) return [];
    if (up.has(fs[0].node)) return [{ index: ps[0].index, node: fs[0].node, type: 'fallback' }, ...findFallbacks(ps.slice(1), fs.slice(1))];
    return findFallbacks(ps, fs.slice(1));
  };
  return [...upPrimaries, ...findFallbacks(pangs, rest)];
}

const strip = (es: readonly AnnotatedEntry[]): PreflistEntry[] => es.map(({ index, node }) => ({ index, node }));

describe('getAplAnn (sloppy quorum, riak_core_apl:get_apl_ann)', () => {
  it('matches a transcription of riak_core_apl:get_apl_ann', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(getAplAnn(c.owners, c.first, c.n, c.up)).toEqual(modelAplAnn(c));
      }),
      { numRuns: RUNS },
    );
  });

  it('with every node up is exactly the n primaries', () => {
    fc.assert(
      fc.property(caseArb, ({ owners, first, n }) => {
        const all = new Set(owners);
        const expected = successorsOf(first, owners.length, n).map((index) => ({ index, node: owners[index], type: 'primary' }));
        expect(getAplAnn(owners, first, n, all)).toEqual(expected);
        expect(getPrimaryApl(owners, first, n, all)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('never names a down node, has at most min(n, Q) entries and distinct partition indices', () => {
    fc.assert(
      fc.property(caseArb, ({ owners, first, n, up }) => {
        const apl = getAplAnn(owners, first, n, up);
        expect(apl.length).toBeLessThanOrEqual(Math.min(n, owners.length));
        for (const e of apl) {
          expect(e.node).toBeDefined();
          expect(up.has(e.node)).toBe(true);
        }
        expect(new Set(apl.map((e) => e.index)).size).toBe(apl.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('lists the up primaries first, in order, then fallbacks for the down primaries in their order', () => {
    fc.assert(
      fc.property(caseArb, ({ owners, first, n, up }) => {
        const apl = getAplAnn(owners, first, n, up);
        const primaries = successorsOf(first, owners.length, n);
        const down = primaries.filter((i) => !up.has(owners[i]));
        const p = apl.filter((e) => e.type === 'primary');
        const f = apl.filter((e) => e.type === 'fallback');
        // primaries first, then fallbacks
        expect(apl).toEqual([...p, ...f]);
        expect(p).toEqual(getPrimaryApl(owners, first, n, up));
        expect(p.map((e) => e.index)).toEqual(primaries.filter((i) => up.has(owners[i])));
        for (const e of p) expect(e.node).toBe(owners[e.index]);
        // fallback i stands in for down primary i
        expect(f.map((e) => e.index)).toEqual(down.slice(0, f.length));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives every down primary a fallback whenever the rest of the ring has enough up entries', () => {
    fc.assert(
      fc.property(caseArb, ({ owners, first, n, up }) => {
        const q = owners.length;
        const primaries = successorsOf(first, q, n);
        const down = primaries.filter((i) => !up.has(owners[i]));
        const rest = successorsOf(wrapIndex(first + primaries.length, q), q, q - primaries.length);
        const upRest = rest.filter((i) => up.has(owners[i]));
        const fallbacks = getAplAnn(owners, first, n, up).filter((e) => e.type === 'fallback');
        expect(fallbacks.length).toBe(Math.min(down.length, upRest.length));
        // each later ring entry serves at most one down primary: the fallbacks are the first up entries of the walk
        expect(fallbacks.map((e) => e.node)).toEqual(upRest.slice(0, fallbacks.length).map((i) => owners[i]));
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic and independent of the order of the up set', () => {
    fc.assert(
      fc.property(caseArb, ({ owners, first, n, up }) => {
        const reversed = new Set([...up].reverse());
        const a = getAplAnn(owners, first, n, up);
        expect(getAplAnn(owners, first, n, reversed)).toEqual(a);
        expect(getAplAnn(owners, first, n, up)).toEqual(a);
        expect(getApl(owners, first, n, up)).toEqual(strip(a));
      }),
      { numRuns: RUNS },
    );
  });

  it('key conveniences start at the key’s partition and agree with keyPreflist', () => {
    fc.assert(
      fc.property(caseArb, fc.string(), fc.string(), ({ owners, n, up }, bucket, key) => {
        const first = keyIndex(bucket, key, owners.length);
        expect(keyAplAnn(owners, bucket, key, n, up)).toEqual(getAplAnn(owners, first, n, up));
        expect(keyPrimaryApl(owners, bucket, key, n, up)).toEqual(getPrimaryApl(owners, first, n, up));
        expect(strip(keyAplAnn(owners, bucket, key, n, new Set(owners)))).toEqual(keyPreflist(owners, bucket, key, n));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('preference lists: examples', () => {
  /** riak_core_apl's four_node_test: ring 8, owners a b c d a b c d, a key whose first partition is 0. */
  const perfect = nodes('a', 'b', 'c', 'd', 'a', 'b', 'c', 'd');
  const lastInRing = partitionWidth(8) * 8n - 1n;

  it('reproduces riak_core_apl four_node_test', () => {
    expect(responsibleIndex(lastInRing, 8)).toBe(0);
    const apl = (up: string[]) => getApl(perfect, p(0), 3, new Set(nodes(...up)));
    expect(apl(['a', 'b', 'c', 'd'])).toEqual([
      { index: 0, node: 'a' },
      { index: 1, node: 'b' },
      { index: 2, node: 'c' },
    ]);
    expect(apl(['b', 'c', 'd'])).toEqual([
      { index: 1, node: 'b' },
      { index: 2, node: 'c' },
      { index: 0, node: 'd' },
    ]);
    // two nodes down: the second fallback lands on c, already a primary (riak allows it)
    expect(apl(['c', 'd'])).toEqual([
      { index: 2, node: 'c' },
      { index: 0, node: 'd' },
      { index: 1, node: 'c' },
    ]);
    expect(apl(['a', 'b'])).toEqual([
      { index: 0, node: 'a' },
      { index: 1, node: 'b' },
      { index: 2, node: 'a' },
    ]);
    expect(getAplAnn(perfect, p(0), 3, new Set(nodes('c', 'd'))).map((e) => e.type)).toEqual(['primary', 'fallback', 'fallback']);
    expect(getPrimaryApl(perfect, p(0), 3, new Set(nodes('c', 'd')))).toEqual([{ index: 2, node: 'c', type: 'primary' }]);
  });

  it('returns fewer entries when the rest of the ring runs out of up nodes', () => {
    const owners = nodes('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    expect(getAplAnn(owners, p(0), 3, new Set(nodes('b')))).toEqual([{ index: 1, node: 'b', type: 'primary' }]);
    expect(getAplAnn(owners, p(0), 3, new Set(nodes('a', 'd')))).toEqual([
      { index: 0, node: 'a', type: 'primary' },
      { index: 1, node: 'd', type: 'fallback' },
    ]);
    // the walk does not wrap back into the primaries
    expect(getAplAnn(owners, p(2), 3, new Set(nodes('c')))).toEqual([{ index: 2, node: 'c', type: 'primary' }]);
    expect(getAplAnn(owners, p(0), 3, new Set())).toEqual([]);
  });

  it('caps n at Q, gives nothing for n = 0, and rejects bad arguments', () => {
    const owners = nodes('a', 'b', 'a', 'b', 'a', 'b', 'a', 'b');
    const all = new Set(nodes('a', 'b'));
    expect(getAplAnn(owners, p(5), 20, all).map((e) => e.index)).toEqual([5, 6, 7, 0, 1, 2, 3, 4]);
    expect(getAplAnn(owners, p(5), 0, all)).toEqual([]);
    // indices out of the ring's range on purpose: the cast skips the helper's own check
    expect(() => getAplAnn(owners, 8 as PartitionIndex, 3, all)).toThrow(RangeError);
    expect(() => getAplAnn(owners, -1 as PartitionIndex, 3, all)).toThrow(RangeError);
    expect(() => getPrimaryApl(owners, p(0), -1, all)).toThrow(RangeError);
    expect(() => getPrimaryApl(owners, p(0), 1.5, all)).toThrow(RangeError);
  });

  it('keeps primaryPreflist and keyPreflist as before', () => {
    const owners = nodes('a', 'b', 'c', 'd', 'a', 'b', 'c', 'd');
    expect(primaryPreflist(owners, lastInRing, 3)).toEqual([
      { index: 0, node: 'a' },
      { index: 1, node: 'b' },
      { index: 2, node: 'c' },
    ]);
    const first = keyIndex('store', 'k', 8);
    expect(keyPreflist(owners, 'store', 'k', 2)).toEqual([
      { index: first, node: owners[first] },
      { index: (first + 1) % 8, node: owners[(first + 1) % 8] },
    ]);
  });

  describe('4 nodes on ring 64 balanced by claim, n = 3', () => {
    const names = nodes('n1', 'n2', 'n3', 'n4');
    const owners = claim({ ringSize: 64, owners: new Array<NodeName>(64).fill(names[0]), nodes: names });

    it('the claim keeps every 4 consecutive partitions on distinct nodes', () => {
      expect(spreadViolations(owners, 4)).toBe(0);
    });

    // With every window of 4 on distinct nodes and the down node among the 3 primaries, the
    // partition right after the primaries belongs to the fourth node, which is up: it becomes the
    // fallback, so the list still has 3 distinct up nodes.
    it.each(names)('with %s down, every preflist has 3 entries on 3 distinct up nodes, a fallback where it had the down node', (downNode) => {
      const up = new Set(names.filter((x) => x !== downNode));
      for (const first of partitionIndices(64)) {
        const primaries = successorsOf(first, 64, 3).map((i) => owners[i]);
        const apl = getAplAnn(owners, first, 3, up);
        expect(apl).toHaveLength(3);
        expect(new Set(apl.map((e) => e.node)).size).toBe(3);
        for (const e of apl) expect(up.has(e.node)).toBe(true);
        const fallbacks = apl.filter((e) => e.type === 'fallback');
        if (primaries.includes(downNode)) {
          expect(fallbacks).toEqual([{ index: successorsOf(first, 64, 3)[primaries.indexOf(downNode)], node: owners[wrapIndex(first + 3, 64)], type: 'fallback' }]);
        } else {
          expect(fallbacks).toEqual([]);
        }
      }
    });

    // With two of four nodes down only two nodes are up: riak still fills n = 3 entries, so one
    // node serves two of them. Distinct nodes are not guaranteed there.
    it('with two nodes down, every preflist still has 3 entries on up nodes', () => {
      const up = new Set(nodes('n1', 'n2'));
      for (const first of partitionIndices(64)) {
        const apl = getAplAnn(owners, first, 3, up);
        expect(apl).toHaveLength(3);
        for (const e of apl) expect(up.has(e.node)).toBe(true);
      }
    });
  });
});
