import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { HashTree } from './hash-tree';
import { DEFAULT_TREE_SHAPE, TreeShape, leafHash, segmentOf, treeShape } from './tree-shape';

/** Small shapes, so that segments hold several keys and every level is compared whole. */
const SHAPES: readonly TreeShape[] = [treeShape({ segments: 64, width: 4 }), treeShape({ segments: 16, width: 16 }), treeShape({ segments: 8, width: 2 })];
const shapeArb = fc.constantFrom(...SHAPES);
const keyArb = fc.string({ maxLength: 12 });
const digestArb = fc.constantFrom('v1', 'v2', 'v3', 'a'.repeat(40));
const entriesArb = fc.uniqueArray(fc.tuple(keyArb, digestArb), { selector: ([k]) => k, maxLength: 60 });

/** Every node hash of every level, as hex: two trees are the same tree when these are equal. */
function allHashes(tree: HashTree): string[] {
  const out: string[] = [];
  for (let l = 0; l <= tree.shape.depth; l++) {
    const indices = Array.from({ length: tree.shape.width ** l }, (_, i) => i);
    out.push(Buffer.from(tree.levelHashes(l, indices)).toString('hex'));
  }
  return out;
}

function sorted(tree: HashTree): [string, string][] {
  return [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

type Op = { kind: 'put'; key: string; digest: string } | { kind: 'delete'; key: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), digest: digestArb }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h') }),
  fc.record({ kind: fc.constant('put' as const), key: keyArb, digest: digestArb }),
);

describe('treeShape', () => {
  it('derives the depth and refuses shapes that are not width^depth', () => {
    expect(DEFAULT_TREE_SHAPE).toEqual({ width: 16, depth: 4, segments: 65536 });
    expect(treeShape({ segments: 1 << 20, width: 1024 }).depth).toBe(2);
    expect(() => treeShape({ segments: 32, width: 4 })).toThrow(RangeError);
    expect(() => treeShape({ segments: 8, width: 16 })).toThrow(RangeError);
    expect(() => treeShape({ segments: 1 << 21, width: 2 })).toThrow(RangeError);
    expect(() => treeShape({ segments: 64, width: 3 })).toThrow(RangeError);
  });

  it('files a key by the key alone, in range', () => {
    fc.assert(
      fc.property(shapeArb, keyArb, (shape, key) => {
        const s = segmentOf(shape, key);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(shape.segments);
        expect(segmentOf(shape, key)).toBe(s);
      }),
    );
  });

  it('keeps segments, leaves and roots as every node and every earlier version computed them', () => {
    // a change here makes trees of different versions disagree everywhere: it needs a new snapshot format and tree rebuilds
    expect(['', 'a', 'bucket/key-1', 'é😀'].map((k) => segmentOf(DEFAULT_TREE_SHAPE, k))).toEqual([31755, 45491, 10383, 36336]);
    expect(leafHash('k', 'v')).toEqual([3950460745, 1777849566]);
    expect(HashTree.of([['a', '1'], ['b', '2']]).root()).toBe('b5e466ac99722883');
  });

  it('spreads keys over the segments like a random function', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const s = segmentOf(DEFAULT_TREE_SHAPE, `bucket/key-${i}`);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    // Poisson with mean 100 000 / 65 536: 51 287 segments hold a key, the fullest about 9
    expect(counts.size).toBeGreaterThan(50_800);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(12);
  });

  it('makes a leaf of the first 64 bits of SHA-1 over "<key length>:<key><digest>" in UTF-8, for any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), (key, digest) => {
        const h = createHash('sha1').update(`${key.length}:${key}${digest}`, 'utf8').digest();
        expect(leafHash(key, digest)).toEqual([h.readUInt32BE(0), h.readUInt32BE(4)]);
      }),
    );
  });

  it('gives different leaves to pairs that only concatenate alike', () => {
    expect(leafHash('ab', 'c')).not.toEqual(leafHash('a', 'bc'));
  });
});

describe('HashTree', () => {
  it('starts empty, with a zero root', () => {
    const tree = new HashTree();
    expect(tree.size).toBe(0);
    expect(tree.root()).toBe('0000000000000000');
    expect(tree.segmentKeys(0).size).toBe(0);
  });

  it('answers an empty tree (allocated with its first key) exactly as a tree whose keys were all deleted', () => {
    for (const shape of SHAPES) {
      const emptied = HashTree.of([['k', 'v1'], ['other', 'v2']], shape);
      emptied.delete('k');
      emptied.delete('other');
      const fresh = new HashTree(shape);
      expect(allHashes(fresh)).toEqual(allHashes(emptied));
      expect([fresh.get('k'), fresh.delete('k'), [...fresh.entries()], [...fresh.segments()]]).toEqual([undefined, false, [], []]);
      expect(() => fresh.levelHashes(0, [1])).toThrow(RangeError);
    }
  });

  it('has the same hashes everywhere for the same pairs, whatever the insertion order', () => {
    fc.assert(
      fc.property(shapeArb, entriesArb, fc.func(fc.integer()), (shape, entries, rank) => {
        const shuffled = [...entries].sort((a, b) => rank(a[0]) - rank(b[0]));
        const a = HashTree.of(entries, shape);
        const b = HashTree.of(shuffled, shape);
        expect(allHashes(a)).toEqual(allHashes(b));
        expect(a.root()).toBe(b.root());
        expect(a.size).toBe(entries.length);
      }),
    );
  });

  it('after any sequence of writes and deletes equals a tree built from scratch from the result', () => {
    fc.assert(
      fc.property(shapeArb, fc.array(opArb, { maxLength: 80 }), (shape, ops) => {
        const tree = new HashTree(shape);
        const model = new Map<string, string>();
        for (const op of ops) {
          if (op.kind === 'put') {
            tree.insert(op.key, op.digest);
            model.set(op.key, op.digest);
          } else {
            expect(tree.delete(op.key)).toBe(model.delete(op.key));
          }
        }
        const rebuilt = HashTree.of(model, shape);
        expect(allHashes(tree)).toEqual(allHashes(rebuilt));
        expect(sorted(tree)).toEqual(sorted(rebuilt));
        expect(tree.size).toBe(model.size);
        expect(sorted(tree)).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        for (const [k, d] of model) expect(tree.get(k)).toBe(d);
        for (const op of ops) if (!model.has(op.key)) expect(tree.get(op.key)).toBeUndefined();
      }),
    );
  });

  it('after a delete and a reinsert equals a tree that never lost the key', () => {
    fc.assert(
      fc.property(shapeArb, entriesArb, fc.nat(), digestArb, (shape, entries, pick, interim) => {
        fc.pre(entries.length > 0);
        const [key, digest] = entries[pick % entries.length];
        const tree = HashTree.of(entries, shape);
        tree.insert(key, interim);
        tree.delete(key);
        expect(tree.get(key)).toBeUndefined();
        tree.insert(key, digest);
        expect(allHashes(tree)).toEqual(allHashes(HashTree.of(entries, shape)));
      }),
    );
  });

  it('tells different sets apart at the root', () => {
    fc.assert(
      fc.property(shapeArb, entriesArb, entriesArb, (shape, a, b) => {
        const same = JSON.stringify([...new Map(a)].sort()) === JSON.stringify([...new Map(b)].sort());
        expect(HashTree.of(a, shape).root() === HashTree.of(b, shape).root()).toBe(same);
      }),
    );
  });

  it('lists each segment with exactly the keys filed there', () => {
    fc.assert(
      fc.property(shapeArb, entriesArb, (shape, entries) => {
        const tree = HashTree.of(entries, shape);
        for (let s = 0; s < shape.segments; s++) {
          const want = entries.filter(([k]) => segmentOf(shape, k) === s);
          // in key order, by UTF-16 code units
          expect([...tree.segmentKeys(s)]).toEqual(want.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        }
        expect([...tree.segments()].map(([s]) => s)).toEqual([...new Set(entries.map(([k]) => segmentOf(shape, k)))].sort((x, y) => x - y));
      }),
    );
  });

  it('ignores a rewrite with the same digest and a delete of a missing key', () => {
    const tree = HashTree.of([['k', 'v']]);
    const root = tree.root();
    tree.insert('k', 'v');
    expect(tree.delete('missing')).toBe(false);
    expect(tree.root()).toBe(root);
    expect(tree.size).toBe(1);
  });

  it('refuses levels, indices and segments outside the tree', () => {
    const tree = new HashTree(SHAPES[0]);
    expect(() => tree.levelHashes(4, [0])).toThrow(RangeError);
    expect(() => tree.levelHashes(1, [4])).toThrow(RangeError);
    expect(() => tree.levelHashes(1, [0.5])).toThrow(RangeError);
    expect(() => tree.segmentKeys(64)).toThrow(RangeError);
    expect(tree.levelHashes(3, [0, 63])).toHaveLength(16);
  });
});
