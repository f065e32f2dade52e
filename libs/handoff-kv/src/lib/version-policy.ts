/**
 * How versions of a key are decided and merged: the one place the KV vnode defers to the layer
 * above it (`@ringnest/coord-kv` gives its causal policy, or {@link lastWriterWins}). The vnode
 * stores whatever the policy returns; `context` in a {@link StoredObject} belongs to the policy.
 *
 * - `coordinate` runs on the coordinating replica of a write (the first vnode of the preference
 *   list): it turns a client write and what the replica holds into the new version;
 * - `merge` runs on every other replica (replication, read repair, handoff): it combines what the
 *   replica holds with a version decided elsewhere, losing nothing either side knew.
 */
import { createHash } from 'node:crypto';
import { StoredObject, mergeStored } from './stored-object';
import { encodeStoredObject } from './stored-object.codec';

/**
 * Thrown by a policy's `coordinate` to refuse a client's write (e.g. too many siblings): the vnode
 * stores nothing and answers the refusal, which the coordinator turns into a client error.
 */
export class WriteRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A client's write as the coordinator receives it. */
export interface ClientWrite {
  /** the new value (absent for a delete) */
  readonly value?: unknown;
  readonly tombstone: boolean;
  /** the context the client read (opaque to the vnode; null for a blind write) */
  readonly context: unknown;
}

export interface VersionPolicy {
  coordinate(local: StoredObject | undefined, write: ClientWrite, actor: string, now: number): StoredObject;
  /** Must return `local` itself (the same object) when `incoming` adds nothing, so nothing is rewritten. */
  merge(local: StoredObject | undefined, incoming: StoredObject): StoredObject;
  /**
   * The version digest active anti-entropy compares (a short string): equal for two replicas that
   * hold the same version of a key, different otherwise. Default: {@link storedDigest}.
   */
  digest?(obj: StoredObject): string;
}

/** A digest of the whole stored object: SHA-1 of its encoding, in base64 (27 characters). */
export function storedDigest(obj: StoredObject): string {
  return createHash('sha1').update(encodeStoredObject(obj)).digest('base64').slice(0, 27);
}

/** `policy`'s digest of `obj` ({@link storedDigest} for a policy without one): what anti-entropy and digest reads compare. */
export function versionDigest(policy: VersionPolicy, obj: StoredObject): string {
  return policy.digest ? policy.digest(obj) : storedDigest(obj);
}

/** Last writer wins by wall-clock time: the policy of a KV vnode module given none. */
export const lastWriterWins: VersionPolicy = {
  coordinate: (_local, write, _actor, now) => ({ value: write.tombstone ? undefined : write.value, tombstone: write.tombstone, context: null, updatedAt: now }),
  merge: (local, incoming) => (local ? mergeStored(local, incoming) : incoming),
};
