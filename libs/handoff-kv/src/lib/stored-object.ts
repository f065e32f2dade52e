/**
 * What a KV vnode stores per key, and the last-writer-wins choice between two versions of a key.
 * `context` belongs to the node's version policy (version-policy.ts): `@ringnest/coord-kv`'s causal
 * policy keeps a dotted version vector set there and merges versions by it; everything here treats
 * `context` as opaque data.
 */
import { encodeStoredObject } from './stored-object.codec';

export interface StoredObject {
  /**
   * the value (JSON-like data: msgpack-representable); `undefined` in a tombstone, and always under a
   * version policy that keeps values in `context` (coord-kv's causal policy keeps them in its version set)
   */
  readonly value: unknown | undefined;
  /** true when the key was deleted: the tombstone is kept (and handed off) so the delete wins over older copies */
  readonly tombstone: boolean;
  /** the causal context (vector clock / dotted version vector) of this version; opaque here */
  readonly context: unknown;
  /** wall-clock milliseconds of the write that produced this version, set by whoever wrote it */
  readonly updatedAt: number;
}

/** True for a value shaped like a {@link StoredObject} (what arrives over the wire is unchecked). */
export function isStoredObject(x: unknown): x is StoredObject {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o['tombstone'] === 'boolean' && typeof o['updatedAt'] === 'number' && Number.isFinite(o['updatedAt']);
}

/** The tombstone that a delete at `now` writes over `existing` (its context, unless the delete brings one). */
export function tombstoneOf(existing: StoredObject | undefined, now: number, context?: unknown): StoredObject {
  return { value: undefined, tombstone: true, context: context !== undefined ? context : (existing?.context ?? null), updatedAt: now };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Which version of a key to keep when two meet (handoff data arriving for a key the vnode holds):
 * the later `updatedAt`; on a tie a tombstone; on a tie the one with the larger encoding. It always
 * returns one of its arguments (`a` when they encode the same), and picks the maximum of a total
 * order, so it is commutative, associative and idempotent: replicas converge whatever order
 * versions arrive in, and a repeated handoff changes nothing. It is the merge of the
 * `lastWriterWins` policy (`KV_VERSIONING=lww` on an api node): of two concurrent writes, one is
 * lost. The causal policy merges without it.
 */
export function mergeStored(a: StoredObject, b: StoredObject): StoredObject {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? a : b;
  if (a.tombstone !== b.tombstone) return a.tombstone ? a : b;
  return compareBytes(encodeStoredObject(a), encodeStoredObject(b)) >= 0 ? a : b;
}
