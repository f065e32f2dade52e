import fc from 'fast-check';
import { PartitionIndex, partitionIndices, wrapIndex } from './chash';
import { claim } from './claim';
import { CoverageResult, CoverageVnode, coveragePlan, vnodeHolds } from './coverage-plan';
import { NodeName } from './ring';
import { n, nodes, p, ps } from '../testing/names';

/** Rings of at most 128 partitions (brute force on 8): 1000 runs per property take well under a second each. */
const RUNS = 1000;
const POOL = nodes('a', 'b', 'c', 'd', 'e', 'f');

interface Case {
  owners: NodeName[];
  n: number;
  up: Set<NodeName>;
  offset: number;
}

function caseArb(sizes: readonly number[]): fc.Arbitrary<Case> {
  return fc
    .record({
      q: fc.constantFrom(...sizes),
      nodes: fc.integer({ min: 1, max: POOL.length }),
      seed: fc.array(fc.nat(), { minLength: 128, maxLength: 128 }),
      upMask: fc.array(fc.boolean(), { minLength: POOL.length, maxLength: POOL.length }),
      n: fc.integer({ min: 1, max: 7 }),
      offset: fc.integer({ min: -1000, max: 1000 }),
    })
    .map(({ q, nodes, seed, upMask, n, offset }) => ({
      owners: Array.from({ length: q }, (_, i) => POOL[seed[i] % nodes]),
      // 7 stands for "more than Q": every vnode then holds the whole ring
      n: n === 7 ? q + 3 : n,
      up: new Set(POOL.filter((_, i) => upMask[i])),
      offset,
    }));
}

const anyCase = caseArb([8, 16, 32, 64, 128]);

/** Partitions with at least one up holder among vnodes p .. p+n-1. */
function coverable({ owners, n, up }: Case): boolean[] {
  const q = owners.length;
  return owners.map((_, p) => Array.from({ length: Math.min(n, q) }, (_, d) => owners[(p + d) % q]).some((o) => up.has(o)));
}

function vnodesOf(r: CoverageResult): readonly CoverageVnode[] {
  return r.kind === 'plan' ? r.vnodes : r.partial;
}

/**
 * Each partition in `wanted` appears in exactly one keySpaces list, held by an up vnode; nothing
 * else appears; vnodes are distinct and sorted. Problems are collected and asserted once (a
 * jest `expect` per partition would dominate the run time).
 */
function expectValid(c: Case, vnodes: readonly CoverageVnode[], wanted: readonly boolean[]): void {
  const q = c.owners.length;
  const problems: string[] = [];
  const seen = new Array<number>(q).fill(0);
  vnodes.forEach((v, i) => {
    if (v.node !== c.owners[v.index]) problems.push(`vnode ${v.index} named ${v.node}, owned by ${c.owners[v.index]}`);
    if (!c.up.has(v.node)) problems.push(`vnode ${v.index} is on down node ${v.node}`);
    if (v.keySpaces.length === 0) problems.push(`vnode ${v.index} reports nothing`);
    if (i > 0 && vnodes[i - 1].index >= v.index) problems.push(`vnode ${v.index} out of order or repeated`);
    v.keySpaces.forEach((p, j) => {
      if (j > 0 && v.keySpaces[j - 1] >= p) problems.push(`keySpaces of ${v.index} not ascending`);
      if (!vnodeHolds(v.index, p, c.n, q)) problems.push(`vnode ${v.index} does not hold partition ${p}`);
      seen[p]++;
    });
  });
  seen.forEach((count, p) => {
    if (count !== (wanted[p] ? 1 : 0)) problems.push(`partition ${p} reported ${count} times`);
  });
  expect(problems).toEqual([]);
}

/** The fewest usable vnodes covering every wanted partition, by trying every subset (Q = 8 only). */
function bruteForceMinimum(c: Case, wanted: readonly boolean[]): number {
  const q = c.owners.length;
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << q; mask++) {
    let ok = true;
    let size = 0;
    for (let v = 0; v < q; v++) {
      if (mask & (1 << v)) {
        size++;
        if (!c.up.has(c.owners[v])) ok = false;
      }
    }
    if (!ok || size >= best) continue;
    const covers = (p: PartitionIndex) => partitionIndices(q).some((v) => mask & (1 << v) && vnodeHolds(v, p, c.n, q));
    if (wanted.every((w, p) => !w || covers(wrapIndex(p, q)))) best = size;
  }
  return best;
}

describe('coveragePlan (riak_core_coverage_plan)', () => {
  it('assigns every partition to exactly one up vnode that holds it, or names exactly the uncoverable ones', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const r = coveragePlan(c.owners, c.n, c.up, c.offset);
        const wanted = coverable(c);
        if (wanted.every(Boolean)) {
          expect(r.kind).toBe('plan');
        } else {
          expect(r).toMatchObject({ kind: 'insufficient', missing: wanted.flatMap((w, p) => (w ? [] : [p])) });
        }
        expectValid(c, vnodesOf(r), wanted);
      }),
      { numRuns: RUNS },
    );
  });

  // Round-robin owners over k >= 2 nodes repeat a node at most twice in a row (where the ring
  // wraps, when k does not divide Q), so every window of n >= 3 spans two nodes.
  it('succeeds with a node down whenever every window of n partitions spans two nodes (round-robin owners)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 16, 32, 64, 128),
        fc.integer({ min: 2, max: POOL.length }),
        fc.integer({ min: 3, max: 6 }),
        fc.nat(),
        fc.integer(),
        (q, k, n, downPick, offset) => {
          const owners = Array.from({ length: q }, (_, i) => POOL[i % k]);
          const up = new Set(POOL.slice(0, k).filter((_, i) => i !== downPick % k));
          const c: Case = { owners, n, up, offset };
          const r = coveragePlan(owners, n, up, offset);
          expect(r.kind).toBe('plan');
          expectValid(c, vnodesOf(r), new Array<boolean>(q).fill(true));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('uses ceil(Q/n) vnodes when every node is up', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const r = coveragePlan(c.owners, c.n, new Set(c.owners), c.offset);
        expect(r.kind).toBe('plan');
        expect(vnodesOf(r)).toHaveLength(Math.ceil(c.owners.length / Math.min(c.n, c.owners.length)));
      }),
      { numRuns: RUNS },
    );
  });

  it('uses the fewest vnodes possible, for full and partial plans (brute force on ring 8)', () => {
    fc.assert(
      fc.property(caseArb([8]), (c) => {
        const r = coveragePlan(c.owners, c.n, c.up, c.offset);
        expect(vnodesOf(r)).toHaveLength(bruteForceMinimum(c, coverable(c)));
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic; the offset changes which minimal plan, never its size or success', () => {
    fc.assert(
      fc.property(anyCase, fc.integer(), (c, other) => {
        const r = coveragePlan(c.owners, c.n, c.up, c.offset);
        expect(coveragePlan(c.owners, c.n, new Set([...c.up].reverse()), c.offset)).toEqual(r);
        expect(coveragePlan(c.owners, c.n, c.up, c.offset + c.owners.length)).toEqual(r);
        const s = coveragePlan(c.owners, c.n, c.up, other);
        expect(s.kind).toBe(r.kind);
        expect(vnodesOf(s)).toHaveLength(vnodesOf(r).length);
      }),
      { numRuns: RUNS },
    );
  });

  it('spreads load with every node up: offset o starts at vnode o+n-1, and the offsets together use every vnode', () => {
    fc.assert(
      fc.property(caseArb([8, 16, 32]), (c) => {
        const q = c.owners.length;
        const all = new Set(c.owners);
        const used = new Set<number>();
        for (let o = 0; o < q; o++) {
          const vnodes = vnodesOf(coveragePlan(c.owners, c.n, all, o));
          expect(vnodes.map((v) => v.index)).toContain((o + Math.min(c.n, q) - 1) % q);
          for (const v of vnodes) used.add(v.index);
        }
        expect(used.size).toBe(q);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('coveragePlan: examples', () => {
  const distinct = (q: number) => Array.from({ length: q }, (_, i) => n(`n${i}`));

  it('covers ring 64 with n = 3 in 22 vnodes, one of which filters down to a single partition', () => {
    const owners = distinct(64);
    const r = coveragePlan(owners, 3, new Set(owners));
    if (r.kind !== 'plan') throw new Error('expected a plan');
    expect(r.vnodes).toHaveLength(22);
    expect(r.vnodes.map((v) => v.keySpaces.length).sort()).toEqual([1, ...new Array<number>(21).fill(3)]);
    // offset 0: vnodes 2, 5, ..., 62 take three partitions each; the last pick, vnode 1, reports only 63
    expect(r.vnodes.slice(0, 2)).toEqual([
      { index: 1, node: 'n1', keySpaces: [63] },
      { index: 2, node: 'n2', keySpaces: [0, 1, 2] },
    ]);
  });

  it('with offset 1 and n = 3 on ring 8 picks vnodes 3, 6 and 1', () => {
    const owners = distinct(8);
    expect(coveragePlan(owners, 3, new Set(owners), 1)).toEqual({
      kind: 'plan',
      vnodes: [
        { index: 1, node: 'n1', keySpaces: [0, 7] },
        { index: 3, node: 'n3', keySpaces: [1, 2, 3] },
        { index: 6, node: 'n6', keySpaces: [4, 5, 6] },
      ],
    });
  });

  it('finds the 3-vnode plan when only vnodes 0, 3 and 6 are up (a naive greedy from 0 uses vnode 0 twice)', () => {
    const owners = distinct(8);
    const r = coveragePlan(owners, 3, new Set(nodes('n0', 'n3', 'n6')));
    expect(r).toEqual({
      kind: 'plan',
      vnodes: [
        { index: 0, node: 'n0', keySpaces: [0, 6, 7] },
        { index: 3, node: 'n3', keySpaces: [1, 2, 3] },
        { index: 6, node: 'n6', keySpaces: [4, 5] },
      ],
    });
  });

  it('reports the partitions with no up replica and a partial plan for the rest', () => {
    const owners = distinct(8);
    // vnodes 3, 4, 5 down: partition 3 (held by 3, 4, 5) has no up replica; the run 4 .. 2 is
    // covered from its start: 6 takes 4-6, 1 takes 7-1, 2 takes 2
    const r = coveragePlan(owners, 3, new Set(nodes('n0', 'n1', 'n2', 'n6', 'n7')));
    expect(r).toEqual({
      kind: 'insufficient',
      missing: [3],
      partial: [
        { index: 1, node: 'n1', keySpaces: [0, 1, 7] },
        { index: 2, node: 'n2', keySpaces: [2] },
        { index: 6, node: 'n6', keySpaces: [4, 5, 6] },
      ],
    });
    expect(coveragePlan(owners, 3, new Set())).toEqual({ kind: 'insufficient', missing: [0, 1, 2, 3, 4, 5, 6, 7], partial: [] });
  });

  it('with n >= Q one up vnode covers everything', () => {
    const owners = distinct(8);
    expect(coveragePlan(owners, 8, new Set(nodes('n5')))).toEqual({ kind: 'plan', vnodes: [{ index: 5, node: 'n5', keySpaces: [0, 1, 2, 3, 4, 5, 6, 7] }] });
    expect(coveragePlan(owners, 100, new Set(nodes('n5')))).toEqual(coveragePlan(owners, 8, new Set(nodes('n5'))));
  });

  it('succeeds on 4 claimed nodes, ring 64, n = 3, with any one node down', () => {
    const names = nodes('n1', 'n2', 'n3', 'n4');
    const owners = claim({ ringSize: 64, owners: new Array<NodeName>(64).fill(names[0]), nodes: names });
    for (const down of names) {
      const up = new Set(names.filter((x) => x !== down));
      const r = coveragePlan(owners, 3, up, 7);
      expect(r.kind).toBe('plan');
      expectValid({ owners, n: 3, up, offset: 7 }, vnodesOf(r), new Array<boolean>(64).fill(true));
    }
  });

  it('plans ring 1024 quickly', () => {
    const owners = Array.from({ length: 1024 }, (_, i) => n(`n${i % 7}`));
    const up = new Set(nodes('n0', 'n1', 'n2', 'n4', 'n5'));
    const r = coveragePlan(owners, 3, up, 12345);
    expect(r.kind).toBe('plan');
    expectValid({ owners, n: 3, up, offset: 12345 }, vnodesOf(r), new Array<boolean>(1024).fill(true));
    expect(vnodesOf(coveragePlan(owners, 1, new Set(owners)))).toHaveLength(1024);
  });

  it('rejects bad arguments', () => {
    const owners = distinct(8);
    const up = new Set(owners);
    expect(() => coveragePlan(owners, 0, up)).toThrow(RangeError);
    expect(() => coveragePlan(owners, 2.5, up)).toThrow(RangeError);
    expect(() => coveragePlan(owners, 3, up, 0.5)).toThrow(RangeError);
    expect(() => coveragePlan([], 3, up)).toThrow(RangeError);
  });

  it('vnodeHolds: vnode v holds partitions v-n+1 .. v, cyclically', () => {
    expect(ps(0, 1, 2, 3, 4, 5, 6, 7).filter((i) => vnodeHolds(p(1), i, 3, 8))).toEqual([0, 1, 7]);
    expect(ps(0, 1, 2, 3, 4, 5, 6, 7).filter((i) => vnodeHolds(p(1), i, 20, 8))).toHaveLength(8);
  });
});
