/**
 * The `memory` storage backend: the reference implementation of the contract and the test double.
 * Each partition keeps its objects' encoded bytes (the same bytes LMDB would store, so values never
 * alias the caller's objects) in a map and its keys in an array sorted by {@link compareKeys}.
 * Nothing survives the process; data survives a vnode restart because the environment, not the
 * vnode, owns it.
 */
import type { PartitionIndex } from '@ringnest/riak-core';
import {
  FOLD_BATCH,
  FoldOptions,
  KvError,
  StorageBackend,
  StorageEnvironment,
  StoredObject,
  checkKey,
  compareKeys,
  decodeStoredObject,
  encodeStoredObject,
} from '../lib';

/** One partition's data. Invariant: `sorted` holds exactly the keys of `objects`, in fold order, without duplicates. */
class MemoryPartition {
  readonly objects = new Map<string, Uint8Array>();
  readonly sorted: string[] = [];

  /** The position of the first key >= `key` (or after it, with `exclusive`). */
  lowerBound(key: string, exclusive = false): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.sorted[mid], key);
      if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(key: string, bytes: Uint8Array): void {
    if (!this.objects.has(key)) this.sorted.splice(this.lowerBound(key), 0, key);
    this.objects.set(key, bytes);
  }

  remove(key: string): void {
    if (!this.objects.delete(key)) return;
    this.sorted.splice(this.lowerBound(key), 1);
  }

  clear(): void {
    this.objects.clear();
    this.sorted.length = 0;
  }
}

export class MemoryBackend implements StorageBackend {
  private closed = false;

  constructor(
    readonly index: PartitionIndex,
    private readonly data: MemoryPartition,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.open();
    checkKey(key);
    const bytes = this.data.objects.get(key);
    return bytes && decodeStoredObject(bytes);
  }

  async put(key: string, obj: StoredObject): Promise<void> {
    this.open();
    checkKey(key);
    this.data.set(key, encodeStoredObject(obj));
  }

  async delete(key: string): Promise<void> {
    this.open();
    checkKey(key);
    this.data.remove(key);
  }

  async fold(visit: (key: string, obj: StoredObject) => void | Promise<void>, opts: FoldOptions = {}): Promise<void> {
    this.open();
    let remaining = opts.limit ?? Infinity;
    let cursor = opts.start;
    let exclusive = false;
    while (remaining > 0) {
      const from = cursor === undefined ? 0 : this.data.lowerBound(cursor, exclusive);
      const keys = this.data.sorted.slice(from, from + Math.min(FOLD_BATCH, remaining));
      if (keys.length === 0) return;
      const batch = keys.map((key) => [key, decodeStoredObject(this.data.objects.get(key) as Uint8Array)] as const);
      for (const [key, obj] of batch) await visit(key, obj);
      remaining -= batch.length;
      cursor = keys[keys.length - 1];
      exclusive = true;
      this.open();
    }
  }

  async isEmpty(): Promise<boolean> {
    this.open();
    return this.data.objects.size === 0;
  }

  async size(): Promise<number> {
    this.open();
    return this.data.objects.size;
  }

  async drop(): Promise<void> {
    this.open();
    this.data.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new KvError('closed', `memory backend of partition ${this.index} is closed`);
  }
}

export class MemoryStorageEnvironment implements StorageEnvironment {
  readonly kind = 'memory' as const;
  private readonly partitions = new Map<PartitionIndex, MemoryPartition>();
  private readonly handles = new Map<PartitionIndex, MemoryBackend>();
  private closed = false;

  backend(index: PartitionIndex): StorageBackend {
    if (this.closed) throw new KvError('closed', 'the memory storage environment is closed');
    const handle = this.handles.get(index);
    if (handle && !handle.isClosed) return handle;
    let data = this.partitions.get(index);
    if (!data) {
      data = new MemoryPartition();
      this.partitions.set(index, data);
    }
    const fresh = new MemoryBackend(index, data);
    this.handles.set(index, fresh);
    return fresh;
  }

  async partitionsWithData(): Promise<PartitionIndex[]> {
    if (this.closed) throw new KvError('closed', 'the memory storage environment is closed');
    return [...this.partitions.entries()]
      .filter(([, p]) => p.objects.size > 0)
      .map(([index]) => index)
      .sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.handles.values()].map((h) => h.close()));
    this.handles.clear();
    this.partitions.clear();
  }
}
