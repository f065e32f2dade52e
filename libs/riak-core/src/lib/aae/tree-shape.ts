/**
 * The fixed shape of an anti-entropy hash tree, and the two hashes every key goes through: which
 * segment it lives in (from the key alone, so every replica files it in the same segment) and its
 * leaf hash (from the key and its version digest). See docs/aae.md.
 *
 * A tree of `width` w and `depth` d has w^l nodes on level l: level 0 is the root, level d holds the
 * segments. Every node hash is 64 bits.
 */
import { hash } from 'node:crypto';

export interface TreeShape {
  /** children per interior node: a power of two in [2, 1024] */
  readonly width: number;
  /** levels below the root; the segments are level `depth` */
  readonly depth: number;
  /** width^depth: a power of two in [width, MAX_SEGMENTS] */
  readonly segments: number;
}

/** Longest key or digest a tree holds, in UTF-8 bytes (a snapshot stores their lengths in 16 bits). */
export const MAX_TREE_STRING_BYTES = 0xffff;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Throws RangeError unless `s` is well-formed UTF-16 (so that its UTF-8 bytes, which the hashes
 * and the snapshot use, stand for it alone) and fits in {@link MAX_TREE_STRING_BYTES}.
 */
export function checkTreeString(what: 'key' | 'digest', s: string): void {
  if (LONE_SURROGATE.test(s)) throw new RangeError(`a tree ${what} must be well-formed UTF-16 (no lone surrogates)`);
  // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (s.length * 3 > MAX_TREE_STRING_BYTES && Buffer.byteLength(s) > MAX_TREE_STRING_BYTES) {
    throw new RangeError(`a tree ${what} must be at most ${MAX_TREE_STRING_BYTES} UTF-8 bytes, got ${Buffer.byteLength(s)}`);
  }
}

/** riak_core's hashtree uses 1024 × 1024 segments; more would cost memory in every tree for no gain. */
export const MAX_SEGMENTS = 1 << 20;

/**
 * Builds a shape from a segment count and a width; the depth is derived (segments = width^depth).
 * Throws RangeError on anything else.
 */
export function treeShape(opts: { readonly segments: number; readonly width: number }): TreeShape {
  const { segments, width } = opts;
  const pow2 = (x: number): boolean => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
  if (!pow2(width) || width < 2 || width > 1024) throw new RangeError(`tree width must be a power of two in [2, 1024], got ${width}`);
  if (!pow2(segments) || segments < width || segments > MAX_SEGMENTS) {
    throw new RangeError(`tree segments must be a power of two in [${width}, ${MAX_SEGMENTS}], got ${segments}`);
  }
  const depth = Math.log2(segments) / Math.log2(width);
  if (!Number.isInteger(depth)) throw new RangeError(`tree segments (${segments}) must be a power of the width (${width})`);
  return Object.freeze({ width, depth, segments });
}

/**
 * 65 536 segments of width 16 (depth 4): about 1.5 keys per segment at 100 000 keys and 15 at a
 * million, 0.6 MB of node hashes per tree, and an exchange of two equal trees is one message.
 */
export const DEFAULT_TREE_SHAPE: TreeShape = treeShape({ segments: 1 << 16, width: 16 });

/** Nodes on `level` (width^level); throws RangeError outside [0, depth]. */
export function levelSize(shape: TreeShape, level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > shape.depth) throw new RangeError(`level must be an integer in [0, ${shape.depth}], got ${level}`);
  return shape.width ** level;
}

export function sameShape(a: TreeShape, b: TreeShape): boolean {
  return a.width === b.width && a.segments === b.segments;
}

/**
 * The segment of a key: FNV-1a over its UTF-16 code units, mixed by murmur3's 32-bit finaliser,
 * masked to the segment count. The same on every node, independent of the ring's SHA-1 placement
 * (so one partition's keys spread over every segment), and some fifty times cheaper than a SHA-1.
 * A cryptographic hash would not stop anyone from filling one segment: with 2^16 segments,
 * colliding keys are found by trying a few hundred thousand.
 */
export function segmentOf(shape: TreeShape, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & (shape.segments - 1);
}

/**
 * The leaf hash of (key, digest): the first 64 bits of SHA-1 over `<key length>:<key><digest>`
 * (the length prefix makes the pair unambiguous), as [high, low] 32-bit words.
 */
export function leafHash(key: string, digest: string): [number, number] {
  // 'binary' (one char per byte): on Node 20 the fastest of crypto.hash's outputs, twice as fast as a Buffer
  const h = hash('sha1', `${key.length}:${key}${digest}`, 'binary');
  return [wordAt(h, 0), wordAt(h, 4)];
}

/** The big-endian 32-bit word at byte `at` of a 'binary' string. */
function wordAt(bytes: string, at: number): number {
  return ((bytes.charCodeAt(at) << 24) | (bytes.charCodeAt(at + 1) << 16) | (bytes.charCodeAt(at + 2) << 8) | bytes.charCodeAt(at + 3)) >>> 0;
}
