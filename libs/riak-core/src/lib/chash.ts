/**
 * Consistent hashing over the SHA-1 key space (Karger et al. 1997, as riak_core's `chash`).
 *
 * The key space is the 160-bit unsigned integers, cut into Q equal partitions. Partition index i
 * starts at `i * 2^160 / Q`; a hash belongs to the partition *after* the segment it falls in, as in
 * riak_core (`((h div inc) + 1) mod Q`), and its preference list continues clockwise from there.
 */
import { hash } from 'node:crypto';

export const KEYSPACE_BITS = 160;
export const KEYSPACE = 1n << 160n;
export const MIN_RING_SIZE = 8;
export const MAX_RING_SIZE = 1024;

/** A ring size: a power of two in [8, 1024]. Build one with {@link ringSize}. */
export type RingSize = number & { readonly __brand: 'RingSize' };
/**
 * A partition index in [0, Q). Indices computed by the ring's own functions carry the brand; one
 * read from outside (an HTTP path, a file, a wire message) gets it from {@link partitionIndex},
 * which checks the range.
 */
export type PartitionIndex = number & { readonly __brand: 'PartitionIndex' };

export function isValidRingSize(q: number): q is RingSize {
  return Number.isInteger(q) && q >= MIN_RING_SIZE && q <= MAX_RING_SIZE && (q & (q - 1)) === 0;
}

export function ringSize(q: number): RingSize {
  if (!isValidRingSize(q)) {
    throw new RangeError(`ring size must be a power of two between ${MIN_RING_SIZE} and ${MAX_RING_SIZE}, got ${q}`);
  }
  return q;
}

export function isPartitionIndex(i: number, q: number): i is PartitionIndex {
  return Number.isInteger(i) && i >= 0 && i < q;
}

/** `i` as a partition index of a ring of `q` partitions; a RangeError when it is not one. */
export function partitionIndex(i: number, q: number): PartitionIndex {
  if (!isPartitionIndex(i, q)) throw new RangeError(`partition index must be an integer in [0, ${q}), got ${i}`);
  return i;
}

/** Every partition index of a ring of `q` partitions, in order. */
export function partitionIndices(q: number): PartitionIndex[] {
  return Array.from({ length: q }, (_, i) => i as PartitionIndex);
}

/**
 * The partition `i` steps clockwise from partition 0, `i` any non-negative integer (wraps at `q`): for
 * index arithmetic on the ring (`first + k`, `index - back + q`), whose results are indices by construction.
 */
export function wrapIndex(i: number, q: number): PartitionIndex {
  return (i % q) as PartitionIndex;
}

/** Width of one partition: 2^160 / Q. */
export function partitionWidth(q: number): bigint {
  return KEYSPACE / BigInt(q);
}

/** The first hash of partition `index` (riak_core's partition id). */
export function partitionId(index: PartitionIndex, q: number): bigint {
  return BigInt(index) * partitionWidth(q);
}

/** The index of a partition id. */
export function partitionIndexOf(id: bigint, q: number): PartitionIndex {
  return Number(id / partitionWidth(q)) as PartitionIndex;
}

function encodeRingKey(bucket: string | Uint8Array, key: string | Uint8Array): Buffer {
  const b = typeof bucket === 'string' ? Buffer.from(bucket, 'utf8') : bucket;
  const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const buf = Buffer.allocUnsafe(8 + b.length + k.length);
  buf.writeUInt32BE(b.length, 0);
  buf.set(b, 4);
  buf.writeUInt32BE(k.length, 4 + b.length);
  buf.set(k, 8 + b.length);
  return buf;
}

/** Where string ring keys are encoded on the hot path: no allocation per lookup. */
const SCRATCH = Buffer.allocUnsafe(1024);

/**
 * The encoded ring key, in SCRATCH when both parts are strings short enough (UTF-8 takes at most
 * 3 bytes per UTF-16 unit): the bytes are only valid until the next call, so they are hashed at
 * once and never kept.
 */
function ringKeyBytes(bucket: string | Uint8Array, key: string | Uint8Array): Buffer {
  if (typeof bucket !== 'string' || typeof key !== 'string' || 8 + 3 * (bucket.length + key.length) > SCRATCH.length) return encodeRingKey(bucket, key);
  const b = SCRATCH.write(bucket, 4, 'utf8');
  SCRATCH.writeUInt32BE(b, 0);
  const k = SCRATCH.write(key, 8 + b, 'utf8');
  SCRATCH.writeUInt32BE(k, 4 + b);
  return SCRATCH.subarray(0, 8 + b + k);
}

/**
 * The SHA-1 digest of a ring key as a 'binary' (latin1) string, one character per byte. Node builds a
 * string result several times faster than a Buffer one, which makes this the fast path of every
 * key lookup.
 */
function digestBytes(bucket: string | Uint8Array, key: string | Uint8Array): string {
  return hash('sha1', ringKeyBytes(bucket, key), 'binary');
}

/** The 20-byte SHA-1 digest of a ring key: each part prefixed by its byte length, so the encoding is unambiguous. */
export function chashDigest(bucket: string | Uint8Array, key: string | Uint8Array): Buffer {
  return Buffer.from(digestBytes(bucket, key), 'latin1');
}

/** The ring key of a (bucket, key) pair: its SHA-1 digest read as a big-endian 160-bit unsigned integer. */
export function chashKey(bucket: string | Uint8Array, key: string | Uint8Array): bigint {
  return BigInt(`0x${hash('sha1', ringKeyBytes(bucket, key), 'hex')}`);
}

/**
 * The partition responsible for a (bucket, key) pair, without bigint arithmetic: with Q = 2^b, the
 * segment a hash falls in is its top b bits (Q <= 1024, so they sit in the first 32 bits).
 */
export function keyIndex(bucket: string | Uint8Array, key: string | Uint8Array, q: number): PartitionIndex {
  const d = digestBytes(bucket, key);
  const top = ((d.charCodeAt(0) << 24) | (d.charCodeAt(1) << 16) | (d.charCodeAt(2) << 8) | d.charCodeAt(3)) >>> 0;
  const bits = Math.log2(q);
  return (((top >>> (32 - bits)) + 1) % q) as PartitionIndex;
}

/** The partition responsible for hash h: the one after the segment h falls in. */
export function responsibleIndex(h: bigint, q: number): PartitionIndex {
  return ((Number(h / partitionWidth(q)) + 1) % q) as PartitionIndex;
}

/** The first n partition indices clockwise from the one responsible for h (n is capped at Q). */
export function successorIndices(h: bigint, q: number, n: number): PartitionIndex[] {
  return successorsOf(responsibleIndex(h, q), q, n);
}

/** The first n partition indices clockwise from `first` (n is capped at Q). */
export function successorsOf(first: PartitionIndex, q: number, n: number): PartitionIndex[] {
  const count = Math.min(n, q);
  const out: PartitionIndex[] = [];
  for (let i = 0; i < count; i++) out.push(((first + i) % q) as PartitionIndex);
  return out;
}
