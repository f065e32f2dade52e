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
/** A partition index in [0, Q). */
export type PartitionIndex = number;

export function isValidRingSize(q: number): q is RingSize {
  return Number.isInteger(q) && q >= MIN_RING_SIZE && q <= MAX_RING_SIZE && (q & (q - 1)) === 0;
}

export function ringSize(q: number): RingSize {
  if (!isValidRingSize(q)) {
    throw new RangeError(`ring size must be a power of two between ${MIN_RING_SIZE} and ${MAX_RING_SIZE}, got ${q}`);
  }
  return q;
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
  return Number(id / partitionWidth(q));
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

/** The 20-byte SHA-1 digest of a ring key: each part prefixed by its byte length, so the encoding is unambiguous. */
export function chashDigest(bucket: string | Uint8Array, key: string | Uint8Array): Buffer {
  return hash('sha1', encodeRingKey(bucket, key), 'buffer');
}

/** The ring key of a (bucket, key) pair: its SHA-1 digest read as a big-endian 160-bit unsigned integer. */
export function chashKey(bucket: string | Uint8Array, key: string | Uint8Array): bigint {
  const d = chashDigest(bucket, key);
  return (d.readBigUInt64BE(0) << 96n) | (d.readBigUInt64BE(8) << 32n) | BigInt(d.readUInt32BE(16));
}

/**
 * The partition responsible for a (bucket, key) pair, without bigint arithmetic: with Q = 2^b, the
 * segment a hash falls in is its top b bits (Q <= 1024, so they sit in the first 32 bits).
 */
export function keyIndex(bucket: string | Uint8Array, key: string | Uint8Array, q: number): PartitionIndex {
  const top = chashDigest(bucket, key).readUInt32BE(0);
  const bits = Math.log2(q);
  return ((top >>> (32 - bits)) + 1) % q;
}

/** The partition responsible for hash h: the one after the segment h falls in. */
export function responsibleIndex(h: bigint, q: number): PartitionIndex {
  return (Number(h / partitionWidth(q)) + 1) % q;
}

/** The first n partition indices clockwise from the one responsible for h (n is capped at Q). */
export function successorIndices(h: bigint, q: number, n: number): PartitionIndex[] {
  return successorsOf(responsibleIndex(h, q), q, n);
}

/** The first n partition indices clockwise from `first` (n is capped at Q). */
export function successorsOf(first: PartitionIndex, q: number, n: number): PartitionIndex[] {
  const count = Math.min(n, q);
  const out: PartitionIndex[] = [];
  for (let i = 0; i < count; i++) out.push((first + i) % q);
  return out;
}
