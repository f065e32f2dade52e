import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  KEYSPACE,
  MAX_RING_SIZE,
  MIN_RING_SIZE,
  chashDigest,
  chashKey,
  isValidRingSize,
  keyIndex,
  partitionId,
  partitionIndexOf,
  partitionIndices,
  wrapIndex,
  partitionWidth,
  responsibleIndex,
  ringSize,
  successorIndices,
} from './chash';
import { p, ps } from '../testing/names';

const RUNS = 1000;
const VALID_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024];
const arbQ = fc.constantFrom(...VALID_SIZES);
const arbHash = fc.bigInt({ min: 0n, max: KEYSPACE - 1n });

describe('ring size validation', () => {
  it('accepts exactly the powers of two from 8 to 1024', () => {
    for (const q of VALID_SIZES) {
      expect(isValidRingSize(q)).toBe(true);
      expect(ringSize(q)).toBe(q);
    }
    expect(MIN_RING_SIZE).toBe(8);
    expect(MAX_RING_SIZE).toBe(1024);
  });

  it.each([0, 1, 2, 4, 6, 12, 24, 100, 1000, 1023, 1025, 2048, 4096, -8, -64, 8.5, 64.000001, NaN, Infinity, -Infinity])(
    'rejects %p',
    (q) => {
      expect(isValidRingSize(q)).toBe(false);
      expect(() => ringSize(q)).toThrow(RangeError);
      expect(() => ringSize(q)).toThrow(`ring size must be a power of two between 8 and 1024, got ${q}`);
    },
  );

  it('property: valid iff integer power of two in [8, 1024]', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 5000 }), (q) => {
        const expected = VALID_SIZES.includes(q);
        expect(isValidRingSize(q)).toBe(expected);
        if (expected) expect(ringSize(q)).toBe(q);
        else expect(() => ringSize(q)).toThrow(RangeError);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('partition ids', () => {
  it('are i * 2^160 / Q', () => {
    for (const q of VALID_SIZES) {
      expect(partitionWidth(q)).toBe(KEYSPACE / BigInt(q));
      for (const i of ps(0, 1, 2, q / 2, q - 1)) {
        expect(partitionId(i, q)).toBe((BigInt(i) * (1n << 160n)) / BigInt(q));
        expect(partitionIndexOf(partitionId(i, q), q)).toBe(i);
      }
    }
  });

  it('known values for ring 64 and 8', () => {
    expect(partitionId(p(0), 64)).toBe(0n);
    expect(partitionId(p(1), 64)).toBe(1n << 154n);
    expect(partitionId(p(1), 64).toString()).toBe('22835963083295358096932575511191922182123945984');
    expect(partitionId(p(63), 64)).toBe(63n * (1n << 154n));
    expect(partitionId(p(4), 8)).toBe(1n << 159n);
    expect(partitionId(p(7), 8) + partitionWidth(8)).toBe(KEYSPACE);
  });

  it('property: partition ids of ring 64 are multiples of 2^154 and strictly increasing below 2^160', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), (i) => {
        const id = partitionId(p(i), 64);
        expect(id % (1n << 154n)).toBe(0n);
        expect(id / (1n << 154n)).toBe(BigInt(i));
        expect(id).toBeLessThan(KEYSPACE);
        if (i > 0) expect(partitionId(p(i - 1), 64)).toBeLessThan(id);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('responsibleIndex: ((h div inc) + 1) mod Q', () => {
  it('hash 0 belongs to partition 1', () => {
    for (const q of VALID_SIZES) expect(responsibleIndex(0n, q)).toBe(1);
  });

  it('the top of the key space wraps to partition 0', () => {
    for (const q of VALID_SIZES) {
      expect(responsibleIndex(KEYSPACE - 1n, q)).toBe(0);
      expect(responsibleIndex(partitionId(p(q - 1), q), q)).toBe(0);
      expect(responsibleIndex(partitionId(p(q - 1), q) - 1n, q)).toBe(q - 1);
    }
  });

  it('exact boundaries: h = partition id goes to the next partition, h = id - 1 to the partition itself', () => {
    for (const q of VALID_SIZES) {
      for (const i of partitionIndices(q).slice(1)) {
        const id = partitionId(i, q);
        expect(responsibleIndex(id, q)).toBe((i + 1) % q);
        expect(responsibleIndex(id - 1n, q)).toBe(i);
        expect(responsibleIndex(id + 1n, q)).toBe((i + 1) % q);
      }
    }
  });

  it('property: in [0, Q) and equal to the formula', () => {
    fc.assert(
      fc.property(arbHash, arbQ, (h, q) => {
        const r = responsibleIndex(h, q);
        expect(Number.isInteger(r)).toBe(true);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThan(q);
        const inc = (1n << 160n) / BigInt(q);
        expect(r).toBe(Number((h / inc + 1n) % BigInt(q)));
        // h lies in the segment just before the partition responsible for it
        const seg = wrapIndex(r - 1 + q, q);
        expect(h >= partitionId(seg, q) && h < partitionId(seg, q) + inc).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('successorIndices', () => {
  it('starts at the responsible partition and wraps', () => {
    expect(successorIndices(KEYSPACE - 1n, 8, 3)).toEqual([0, 1, 2]);
    expect(successorIndices(partitionId(p(6), 8), 8, 4)).toEqual([7, 0, 1, 2]);
    expect(successorIndices(partitionId(p(5), 8), 8, 3)).toEqual([6, 7, 0]);
    expect(successorIndices(0n, 64, 3)).toEqual([1, 2, 3]);
  });

  it('is capped at Q and lists every partition once', () => {
    expect(successorIndices(partitionId(p(3), 8), 8, 20)).toEqual([4, 5, 6, 7, 0, 1, 2, 3]);
    expect(successorIndices(0n, 8, 0)).toEqual([]);
  });

  it('property: consecutive indices clockwise, distinct, length min(n, Q)', () => {
    fc.assert(
      fc.property(arbHash, arbQ, fc.integer({ min: 0, max: 1100 }), (h, q, n) => {
        const s = successorIndices(h, q, n);
        expect(s.length).toBe(Math.min(n, q));
        if (n > 0) expect(s[0]).toBe(responsibleIndex(h, q));
        let consecutive = true;
        for (let i = 1; i < s.length; i++) consecutive &&= s[i] === (s[i - 1] + 1) % q;
        expect(consecutive).toBe(true);
        expect(new Set(s).size).toBe(s.length);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('chashKey', () => {
  it('is deterministic and SHA-1 sized', () => {
    const k = chashKey('bucket', 'key');
    expect(chashKey('bucket', 'key')).toBe(k);
    expect(k).toBeLessThan(KEYSPACE);
    expect(k).toBeGreaterThanOrEqual(0n);
    expect(chashKey(Buffer.from('bucket'), new Uint8Array(Buffer.from('key')))).toBe(k);
  });

  it('does not confuse the split between bucket and key', () => {
    expect(chashKey('a', 'bc')).not.toBe(chashKey('ab', 'c'));
    expect(chashKey('', 'abc')).not.toBe(chashKey('abc', ''));
    expect(chashKey('a', 'b')).not.toBe(chashKey('b', 'a'));
  });

  it('property: deterministic, below 2^160, injective on the (bucket, key) split', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (b1, k1, b2, k2) => {
        const h = chashKey(b1, k1);
        expect(chashKey(b1, k1)).toBe(h);
        expect(h).toBeGreaterThanOrEqual(0n);
        expect(h).toBeLessThan(KEYSPACE);
        if (b1 !== b2 || k1 !== k2) expect(chashKey(b2, k2)).not.toBe(h);
        // same concatenation, different split
        const joined = b1 + k1;
        if (joined.length > 0 && b1.length > 0) {
          expect(chashKey(joined.slice(0, b1.length - 1), joined.slice(b1.length - 1))).not.toBe(h);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The ring key by its definition, with node:crypto's streaming API: the reference the fast paths must agree with. */
function referenceDigest(bucket: string, key: string): Buffer {
  const b = Buffer.from(bucket, 'utf8');
  const k = Buffer.from(key, 'utf8');
  const len = (n: number) => {
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(n);
    return buf;
  };
  return createHash('sha1').update(Buffer.concat([len(b.length), b, len(k.length), k])).digest();
}

describe('the digest of a ring key', () => {
  it('is SHA-1 of <bucket bytes length><bucket><key bytes length><key>, for any Unicode and for keys too long for the scratch buffer', () => {
    const long = 'ü€😀'.repeat(200);
    for (const [b, k] of [['bucket', 'key'], ['', ''], ['chat', long], [long, 'k'], ['ß', '😀']]) {
      expect(chashDigest(b, k)).toEqual(referenceDigest(b, k));
      expect(chashKey(b, k)).toBe(BigInt(`0x${referenceDigest(b, k).toString('hex')}`));
      expect(chashDigest(Buffer.from(b), Buffer.from(k))).toEqual(referenceDigest(b, k));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom(8, 64, 1024), (b, k, q) => {
        const ref = referenceDigest(b, k);
        expect(chashDigest(b, k)).toEqual(ref);
        expect(keyIndex(b, k, q)).toBe(responsibleIndex(BigInt(`0x${ref.toString('hex')}`), q));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('keyIndex', () => {
  it('agrees with responsibleIndex(chashKey) for every ring size', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(8, 16, 32, 64, 128, 256, 512, 1024), (bucket, key, q) => {
        expect(keyIndex(bucket, key, q)).toBe(responsibleIndex(chashKey(bucket, key), q));
      }),
      { numRuns: 1000 },
    );
  });
});
