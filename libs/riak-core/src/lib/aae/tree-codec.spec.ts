import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { HashTree } from './hash-tree';
import { decodeTreeSnapshot, encodeTreeSnapshot } from './tree-codec';
import { DEFAULT_TREE_SHAPE, treeShape } from './tree-shape';

const shapeArb = fc.constantFrom(treeShape({ segments: 64, width: 4 }), treeShape({ segments: 1024, width: 32 }), DEFAULT_TREE_SHAPE);
const entriesArb = fc.uniqueArray(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ maxLength: 40 })), { selector: ([k]) => k, maxLength: 50 });

function decoded(bytes: Uint8Array): HashTree {
  const out = decodeTreeSnapshot(bytes);
  if (out.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${JSON.stringify(out)}`);
  return out.snapshot.tree;
}

describe('tree snapshots', () => {
  it('round-trip the shape, the keys, every answer and builtAt', () => {
    fc.assert(
      fc.property(shapeArb, entriesArb, fc.double({ noNaN: true, noDefaultInfinity: true }), (shape, entries, builtAt) => {
        const tree = HashTree.of(entries, shape);
        const out = decodeTreeSnapshot(encodeTreeSnapshot(tree, builtAt));
        expect(out.kind).toBe('snapshot');
        if (out.kind !== 'snapshot') return;
        const back = out.snapshot.tree;
        expect(out.snapshot.builtAt).toBe(builtAt);
        expect(back.shape).toEqual(shape);
        expect(back.root()).toBe(tree.root());
        expect(back.size).toBe(tree.size);
        const all = Array.from({ length: shape.width }, (_, i) => i);
        expect(back.levelHashes(1, all)).toEqual(tree.levelHashes(1, all));
        for (const [segment, keys] of tree.segments()) expect(back.segmentKeys(segment)).toEqual(keys);
      }),
    );
  });

  it('refuse any single altered or missing byte as corrupt', () => {
    const bytes = encodeTreeSnapshot(HashTree.of([['a', '1'], ['b', '2'], ['ü', 'ß']]), 1234);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const altered = Buffer.from(bytes);
        altered[at] ^= flip;
        const out = decodeTreeSnapshot(altered);
        expect(out.kind === 'corrupt' || (at === 4 && out.kind === 'unsupported')).toBe(true);
        expect(decodeTreeSnapshot(bytes.subarray(0, at)).kind).toBe('corrupt');
      }),
    );
  });

  it('report a format from the future as unsupported', () => {
    const bytes = Buffer.from(encodeTreeSnapshot(new HashTree(), 0));
    bytes[4] = 2;
    expect(decodeTreeSnapshot(bytes)).toEqual({ kind: 'unsupported', format: 2 });
  });

  it('refuse a snapshot with more keys than the limit before building anything', () => {
    const bytes = encodeTreeSnapshot(HashTree.of([['a', '1'], ['b', '2']]), 0);
    expect(decodeTreeSnapshot(bytes, { maxKeys: 1 })).toEqual({ kind: 'corrupt', reason: expect.stringMatching(/limit/) });
    expect(decoded(bytes).size).toBe(2);
  });

  it('read a view into a larger buffer', () => {
    const bytes = encodeTreeSnapshot(HashTree.of([['k', 'v']]), 5);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 3);
    expect(decoded(padded.subarray(3, 3 + bytes.length)).get('k')).toBe('v');
  });

  it('take keys and digests up to 65 535 UTF-8 bytes, and the tree refuses longer ones or lone surrogates', () => {
    const long = 'é'.repeat(0xffff >> 1);
    expect(decoded(encodeTreeSnapshot(HashTree.of([[long, long]]), 0)).get(long)).toBe(long);
    expect(() => new HashTree().insert(`${long}é`, 'v')).toThrow(RangeError);
    expect(() => new HashTree().insert('k', `${long}é`)).toThrow(RangeError);
    expect(() => new HashTree().insert('\uD800', 'v')).toThrow(RangeError);
    expect(() => new HashTree().insert('k', 'a\uDC00')).toThrow(RangeError);
  });

  it('refuse a builtAt that is not a finite number', () => {
    expect(() => encodeTreeSnapshot(new HashTree(), Number.NaN)).toThrow(RangeError);
  });
});

describe('tree snapshots with a valid checksum', () => {
  /** Re-seals a snapshot after an edit, as a faulty encoder would have written it. */
  function resealed(edit: (b: Buffer) => Buffer): Buffer {
    const b = edit(Buffer.from(encodeTreeSnapshot(HashTree.of([['k', 'v']]), 0)));
    createHash('sha1').update(b.subarray(0, b.length - 20)).digest().copy(b, b.length - 20);
    return b;
  }

  it('still refuse bytes that are not UTF-8, a wrong root, and a wrong key count', () => {
    expect(decodeTreeSnapshot(resealed((b) => ((b[22] = 0xff), b))).kind).toBe('corrupt');
    expect(decodeTreeSnapshot(resealed((b) => ((b[b.length - 21] ^= 1), b))).kind).toBe('corrupt');
    expect(decodeTreeSnapshot(resealed((b) => (b.writeUInt32BE(2, 16), b)))).toEqual({ kind: 'corrupt', reason: 'truncated entries' });
    expect(decodeTreeSnapshot(resealed((b) => (b.writeUInt32BE(0, 16), b)))).toEqual({ kind: 'corrupt', reason: 'bytes after the entries' });
    expect(decodeTreeSnapshot(resealed((b) => ((b[6] = 5), b))).kind).toBe('corrupt');
  });

  it('refuse a string whose replacement characters make it too long for the tree', () => {
    const tree = HashTree.of([['x'.repeat(0xffff), 'v']]);
    const b = Buffer.from(encodeTreeSnapshot(tree, 0));
    b.fill(0xff, 22, 22 + 0xffff);
    createHash('sha1').update(b.subarray(0, b.length - 20)).digest().copy(b, b.length - 20);
    expect(decodeTreeSnapshot(b)).toEqual({ kind: 'corrupt', reason: expect.stringMatching(/at most 65535/) });
  });
});
