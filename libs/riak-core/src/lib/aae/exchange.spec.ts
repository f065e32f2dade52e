import fc from 'fast-check';
import { DEFAULT_EXCHANGE_LIMITS, ExchangeLimits, ExchangeRemote, KeyDifference, TreeExchange, exchange } from './exchange';
import { answerHashes, answerKeys, localRemote } from './exchange-replies';
import { HashTree } from './hash-tree';
import { DEFAULT_TREE_SHAPE, TreeShape, segmentOf, treeShape } from './tree-shape';

const SMALL: readonly TreeShape[] = [treeShape({ segments: 64, width: 4 }), treeShape({ segments: 16, width: 16 }), treeShape({ segments: 8, width: 2 })];
const keyArb = fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `k${i}`));
const digestArb = fc.constantFrom('v1', 'v2', 'v3');
const mapArb = fc.uniqueArray(fc.tuple(keyArb, digestArb), { selector: ([k]) => k, maxLength: 40 }).map((e) => new Map(e));
const limitsArb: fc.Arbitrary<ExchangeLimits> = fc.record({ maxHashes: fc.integer({ min: 1, max: 20 }), maxSegments: fc.integer({ min: 1, max: 5 }) });

/** The differences an exchange must find: every key whose digests differ, sorted by key. */
function expected(local: ReadonlyMap<string, string>, remote: ReadonlyMap<string, string>): KeyDifference[] {
  const keys = [...new Set([...local.keys(), ...remote.keys()])].filter((k) => local.get(k) !== remote.get(k));
  return keys.sort().map((key) => ({ key, local: local.get(key), remote: remote.get(key) }));
}

const byKey = (ds: readonly KeyDifference[]): KeyDifference[] => [...ds].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** A remote that records the size of every request. */
function countingRemote(tree: HashTree, limits: ExchangeLimits): { remote: ExchangeRemote; sizes: number[] } {
  const sizes: number[] = [];
  return { remote: localRemote(tree, limits, (_kind, size) => sizes.push(size)), sizes };
}

function keysOf(n: number, prefix = 'key-'): [string, string][] {
  return Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `d${i}`]);
}

describe('exchange', () => {
  it('finds exactly the keys whose digests differ, with both digests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SMALL, DEFAULT_TREE_SHAPE), mapArb, mapArb, limitsArb, async (shape, a, b, limits) => {
        const { remote, sizes } = countingRemote(HashTree.of(b, shape), limits);
        const out = await exchange(HashTree.of(a, shape), remote, limits);
        expect(out.kind).toBe('done');
        expect(byKey(out.differences)).toEqual(expected(a, b));
        expect(out.messages).toBe(sizes.length);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every request within the limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SMALL), mapArb, mapArb, limitsArb, async (shape, a, b, limits) => {
        const machine = new TreeExchange(HashTree.of(a, shape), limits);
        const remote = HashTree.of(b, shape);
        for (let req = machine.next(); req !== undefined; req = machine.next()) {
          if (req.kind === 'hashes') {
            expect(req.indices.length).toBeLessThanOrEqual(limits.maxHashes);
            const answer = answerHashes(remote, req.level, req.indices, limits);
            expect(answer.kind).toBe('hashes');
            if (answer.kind === 'hashes') machine.receiveHashes(answer.hashes);
          } else {
            expect(req.segments.length).toBeLessThanOrEqual(limits.maxSegments);
            const answer = answerKeys(remote, req.segments, limits);
            expect(answer.kind).toBe('keys');
            if (answer.kind === 'keys') machine.receiveKeys(answer.segments);
          }
        }
        expect(machine.done).toBe(true);
      }),
    );
  });

  it('settles two equal trees of 10 000 keys with one message (the roots)', async () => {
    const entries = keysOf(10_000);
    const local = HashTree.of(entries);
    const remote = HashTree.of([...entries].reverse());
    const out = await exchange(local, localRemote(remote));
    expect(out).toEqual({ kind: 'done', differences: [], messages: 1 });
  });

  it('bounds the messages between trees of 10 000 keys differing in k keys by 1 + depth × ⌈k·width / maxHashes⌉ + ⌈k / maxSegments⌉', async () => {
    const base = keysOf(10_000);
    const shape = DEFAULT_TREE_SHAPE;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), async (k, seed) => {
        const local = HashTree.of(base, shape);
        const remote = HashTree.of(base, shape);
        // a third of the changes missing remotely, a third new remotely, a third rewritten
        for (let i = 0; i < k; i++) {
          const key = `key-${(seed + i * 7919) % base.length}`;
          if (i % 3 === 0) remote.delete(key);
          else if (i % 3 === 1) remote.insert(`new-${i}`, 'x');
          else remote.insert(key, 'changed');
        }
        const { maxHashes, maxSegments } = DEFAULT_EXCHANGE_LIMITS;
        const out = await exchange(local, localRemote(remote));
        expect(out.differences).toHaveLength(k);
        expect(out.messages).toBeLessThanOrEqual(1 + shape.depth * Math.ceil((k * shape.width) / maxHashes) + Math.ceil(k / maxSegments));
      }),
      { numRuns: 15 },
    );
  });

  it('lists everything when one side is empty', async () => {
    const entries = keysOf(500);
    const out = await exchange(new HashTree(), localRemote(HashTree.of(entries)));
    expect(byKey(out.differences)).toEqual(expected(new Map(), new Map(entries)));
  });
});

describe('TreeExchange', () => {
  const tree = HashTree.of(keysOf(20));

  function atKeys(machine: TreeExchange, remote: HashTree): readonly number[] {
    for (let req = machine.next(); req !== undefined; req = machine.next()) {
      if (req.kind === 'keys') return req.segments;
      machine.receiveHashes(remote.levelHashes(req.level, req.indices));
    }
    throw new Error('the exchange never listed keys');
  }

  it('refuses a second request before the reply to the first', () => {
    const machine = new TreeExchange(tree);
    machine.next();
    expect(() => machine.next()).toThrow();
    expect(() => machine.receiveKeys([])).toThrow();
  });

  it('ends with bad-reply on hashes of the wrong length', () => {
    const machine = new TreeExchange(tree);
    machine.next();
    expect(machine.receiveHashes(new Uint8Array(7)).kind).toBe('bad-reply');
    expect(machine.next()).toBeUndefined();
  });

  /** A key filed in `segment` (in = true) or elsewhere. */
  function keyFiled(segment: number, inside: boolean): string {
    for (let i = 0; ; i++) if ((segmentOf(tree.shape, `probe${i}`) === segment) === inside) return `probe${i}`;
  }

  it.each([
    ['a key filed in another segment', (s: number): unknown[] => [[[keyFiled(s, false), 'd']]], /does not belong/],
    ['a key listed twice', (s: number): unknown[] => [[[keyFiled(s, true), 'a'], [keyFiled(s, true), 'b']]], /twice/],
    ['an entry that is not a pair of strings', (s: number): unknown[] => [[[keyFiled(s, true), 3]]], /pair of strings/],
    ['a segment that is not a list', (): unknown[] => [{}], /not a list/],
    ['the wrong number of segments', (): unknown[] => [], /expected the keys of 1 segments/],
  ])('ends with bad-reply on %s', (_what, reply, reason) => {
    const machine = new TreeExchange(tree, { maxHashes: 1024, maxSegments: 1 });
    const [segment] = atKeys(machine, HashTree.of([...keysOf(20), ['extra', 'e']]));
    const outcome = machine.receiveKeys(reply(segment) as never);
    expect(outcome).toEqual({ kind: 'bad-reply', reason: expect.stringMatching(reason) });
    expect(machine.next()).toBeUndefined();
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new TreeExchange(tree, { maxHashes: 0, maxSegments: 1 })).toThrow(RangeError);
  });
});

describe('answers', () => {
  const tree = new HashTree(SMALL[0]);

  it('refuses levels, indices and segments outside the tree or over the limits', () => {
    expect(answerHashes(tree, 4, [0]).kind).toBe('refused');
    expect(answerHashes(tree, '1', [0]).kind).toBe('refused');
    expect(answerHashes(tree, 1, [4]).kind).toBe('refused');
    expect(answerHashes(tree, 3, [1.5]).kind).toBe('refused');
    expect(answerHashes(tree, 3, 'x').kind).toBe('refused');
    expect(answerHashes(tree, 3, [0, 1, 2], { maxHashes: 2, maxSegments: 1 }).kind).toBe('refused');
    expect(answerKeys(tree, [64]).kind).toBe('refused');
    expect(answerKeys(tree, [0, 1], { maxHashes: 2, maxSegments: 1 }).kind).toBe('refused');
    expect(answerKeys(tree, [0, 63])).toEqual({ kind: 'keys', segments: [[], []] });
  });

  it('makes a local remote reject what it refuses', async () => {
    await expect(localRemote(tree).hashes(9, [0])).rejects.toThrow(RangeError);
  });
});
