/**
 * Hostile msgpack byte strings, written by hand (only the node's one codec may import msgpackr):
 * what a decoder that trusts its input turns into exponential time or memory, and headers that lie
 * about what follows. Pure.
 */
import fc from 'fast-check';

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/**
 * msgpackr's structured-clone encoding of `v = ['x']; repeat depth times: v = [v, v]`: each level
 * refers twice to the level below (ext 0x69 marks an object with an id, ext 0x70 points back to
 * one), so 13·depth+3 bytes stand for 2^depth leaves. A decoder with structured clone on builds
 * the shared graph cheaply, but anything that walks it as a tree (a deep copy, JSON.stringify,
 * msgpack re-encoding) does 2^depth work. 32 levels: 419 bytes.
 */
export function referenceChainBomb(depth = 32): Buffer {
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError('depth must be a positive integer');
  const parts: Buffer[] = [Buffer.from([0x92])];
  for (let id = depth; id >= 2; id--) parts.push(Buffer.from([0xd6, 0x69]), u32(id), Buffer.from([0x92]));
  parts.push(Buffer.from([0xd6, 0x69]), u32(1), Buffer.from([0x91, 0xa1, 0x78]));
  for (let id = 1; id <= depth; id++) parts.push(Buffer.from([0xd6, 0x70]), u32(id));
  return Buffer.concat(parts);
}

/** `count` nested one-element arrays around nil: deeper than any decode budget, a few bytes each. */
export function deepArrays(count: number): Buffer {
  return Buffer.concat([Buffer.alloc(count, 0x91), Buffer.from([0xc0])]);
}

/** A container or string header announcing `declared` items or bytes, followed by only `present` bytes. */
export function lyingHeader(kind: 'array32' | 'map32' | 'str32' | 'bin32' | 'ext32', declared: number, present: number): Buffer {
  const tag = { array32: 0xdd, map32: 0xdf, str32: 0xdb, bin32: 0xc6, ext32: 0xc9 }[kind];
  const header = kind === 'ext32' ? Buffer.concat([Buffer.from([tag]), u32(declared), Buffer.from([0x01])]) : Buffer.concat([Buffer.from([tag]), u32(declared)]);
  return Buffer.concat([header, Buffer.alloc(present, kind === 'array32' || kind === 'map32' ? 0xc0 : 0x61)]);
}

/** An extension value of any type (records, bundled strings, typed arrays, …) with `data`. */
export function extension(type: number, data: Uint8Array): Buffer {
  const t = type & 0xff;
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  if (fixed[data.length] !== undefined) return Buffer.concat([Buffer.from([fixed[data.length], t]), data]);
  if (data.length < 0x100) return Buffer.concat([Buffer.from([0xc7, data.length, t]), data]);
  if (data.length < 0x10000) return Buffer.concat([Buffer.from([0xc8, data.length >> 8, data.length & 0xff, t]), data]);
  return Buffer.concat([Buffer.from([0xc9]), u32(data.length), Buffer.from([t]), data]);
}

/** A flat msgpack map of string keys to strings, integers 0..2^32-1, booleans or nil (the shape of handshake messages). */
export function flatMap(entries: readonly (readonly [string, string | number | boolean | null])[]): Buffer {
  const parts: Buffer[] = [entries.length < 16 ? Buffer.from([0x80 | entries.length]) : Buffer.from([0xde, entries.length >> 8, entries.length & 0xff])];
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    if (b.length < 32) return Buffer.concat([Buffer.from([0xa0 | b.length]), b]);
    if (b.length < 0x100) return Buffer.concat([Buffer.from([0xd9, b.length]), b]);
    return Buffer.concat([Buffer.from([0xda, b.length >> 8, b.length & 0xff]), b]);
  };
  for (const [k, v] of entries) {
    parts.push(str(k));
    if (typeof v === 'string') parts.push(str(v));
    else if (v === null) parts.push(Buffer.from([0xc0]));
    else if (typeof v === 'boolean') parts.push(Buffer.from([v ? 0xc3 : 0xc2]));
    else if (v < 0x80) parts.push(Buffer.from([v]));
    else if (v < 0x100) parts.push(Buffer.from([0xcc, v]));
    else if (v < 0x10000) parts.push(Buffer.from([0xcd, v >> 8, v & 0xff]));
    else parts.push(Buffer.concat([Buffer.from([0xce]), u32(v)]));
  }
  return Buffer.concat(parts);
}

/** Hostile msgpack bodies of at most about `maxBytes` bytes. */
export function hostileMsgpack(maxBytes: number): fc.Arbitrary<Buffer> {
  const small = Math.min(maxBytes, 4096);
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 8, max: 40 }).map((d) => referenceChainBomb(d)) },
    { weight: 2, arbitrary: fc.integer({ min: 65, max: Math.max(65, Math.min(maxBytes - 1, 200_000)) }).map((n) => deepArrays(n)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('array32', 'map32', 'str32', 'bin32', 'ext32') as fc.Arbitrary<'array32' | 'map32' | 'str32' | 'bin32' | 'ext32'>, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: Math.min(small, 256) }))
        .map(([k, d, p]) => lyingHeader(k, d, p)),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: Math.min(small, 300) })).map(([t, data]) => extension(t, data)),
    },
    // a valid-looking array that ends in an extension, so the bad part is not at the start
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 0, max: 127 }), fc.uint8Array({ maxLength: 64 })).map(([t, data]) => Buffer.concat([Buffer.from([0x93, 0x01, 0xa1, 0x61]), extension(t, data)])),
    },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: small }).map((b) => Buffer.from(b)) },
    // many values: an array announcing more elements than any budget, all present
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.min(maxBytes - 5, 5_000_000)) }).map((n) => lyingHeader('array32', n, n)) },
  );
}
