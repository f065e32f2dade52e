/**
 * The storage backend contract (riak_kv_backend): one instance per partition, holding the
 * partition's {@link StoredObject}s by key, and a per-node {@link StorageEnvironment} that owns the
 * backends. Reference implementations: `memory` (the test double; nothing survives the process) and
 * `lmdb` (durable). Both pass the same contract suite (backends/storage-contract.ts).
 *
 * Calls of one backend may overlap (a handoff fold runs while the vnode serves commands); each call
 * is atomic on its own and a call that resolved is visible to every later call.
 */
import type { PartitionIndex } from '@ringnest/riak-core';
import type { StoredObject } from './stored-object';

export type StorageKind = 'memory' | 'lmdb';

export interface FoldOptions {
  /** start at this key (inclusive); default: the first key */
  readonly start?: string;
  /** visit at most this many items; default: all */
  readonly limit?: number;
}

/** Items read ahead of the visitor by a fold: bounds the memory a fold holds. */
export const FOLD_BATCH = 256;

export interface StorageBackend {
  readonly index: PartitionIndex;

  /** The object stored under `key`, tombstones included; undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;

  /**
   * Store `obj` under `key`, replacing what was there. Resolves once the write is durable (lmdb:
   * committed and synced to disk, so it survives kill -9 and a power loss that the disk honours);
   * rejects, and stores nothing, on an invalid key (`invalid-key`) or a closed backend (`closed`).
   */
  put(key: string, obj: StoredObject): Promise<void>;

  /** Remove `key` entirely (no tombstone: the vnode writes tombstones with `put`). Durable like `put`; a missing key is fine. */
  delete(key: string): Promise<void>;

  /**
   * Visit items in key order ({@link compareKeys}: UTF-8 byte order), awaiting each `visit` before
   * the next (backpressure). Streams: it reads at most {@link FOLD_BATCH} items ahead of the visitor
   * and holds no snapshot, so writes during a fold are allowed; a key is visited at most once and
   * in order; a key present for the whole fold is visited; keys written or deleted during the fold
   * may or may not be seen (handoff forwards such writes separately). A throwing or rejecting
   * `visit` ends the fold with that error.
   */
  fold(visit: (key: string, obj: StoredObject) => void | Promise<void>, opts?: FoldOptions): Promise<void>;

  /** True when no key is stored (tombstones count as data). */
  isEmpty(): Promise<boolean>;

  /** How many keys are stored, tombstones included. */
  size(): Promise<number>;

  /** Remove every key of this partition (durably, like `put`). The backend stays usable. */
  drop(): Promise<void>;

  /**
   * Release this handle: waits for its writes in flight; later calls reject with `closed`. The data
   * stays in the environment; `StorageEnvironment.backend(index)` hands out a fresh handle.
   */
  close(): Promise<void>;
}

/** The storage of one node: every partition's backend, opened from DATA_DIR and STORAGE. */
export interface StorageEnvironment {
  readonly kind: StorageKind;

  /** The open backend of a partition (the same handle until it is closed; then a new one). Throws `closed` after `close()`. */
  backend(index: PartitionIndex): StorageBackend;

  /**
   * The partitions holding at least one key, ascending: after a restart, what this node still holds
   * (its own partitions, and fallback data waiting for hinted handoff).
   */
  partitionsWithData(): Promise<PartitionIndex[]>;

  /** Waits for every write in flight, then releases the environment; later calls reject or throw with `closed`. Idempotent. */
  close(): Promise<void>;
}
