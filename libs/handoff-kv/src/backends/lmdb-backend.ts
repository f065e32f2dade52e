/**
 * The `lmdb` storage backend (riak_kv's eleveldb/bitcask role), on lmdb-js.
 *
 * Layout: one LMDB environment per node in `<DATA_DIR>/kv` (data.mdb + lock.mdb), one named
 * database `p<index>` per partition. Named databases rather than a partition prefix in one
 * database, because a partition is the unit that moves: `drop` after a handoff is one `mdb_drop`
 * instead of a delete per key, `size`/`isEmpty` read the database's entry count instead of counting
 * a range, and `partitionsWithData` lists the names in the main database instead of seeking through
 * every partition's range. The cost is `maxDbs` slots (1024 partitions at most, plus margin), a few
 * bytes each, scanned only when a database is opened.
 *
 * Durability: the environment is opened with LMDB's synchronous commits (`overlappingSync: false`;
 * never `noSync`), so the promise of lmdb-js's asynchronous `put`/`remove`/`clearAsync` resolves
 * only after the transaction that carries the write committed and was fdatasync'ed. `put` awaits
 * that promise, so an acknowledged write survives kill -9 (and a power loss the disk honours).
 * Writes issued in the same event turn share one transaction and one sync (lmdb-js batching).
 *
 * Keys are stored as their UTF-8 bytes (`keyEncoding: 'binary'`), so LMDB's byte order is the
 * contract's key order; values are the codec's msgpack bytes.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Database, RootDatabase, open } from 'lmdb';
import { MAX_RING_SIZE, PartitionIndex, isPartitionIndex } from '@ringnest/riak-core';
import {
  FOLD_BATCH,
  FoldOptions,
  KvError,
  StorageBackend,
  StorageEnvironment,
  StoredObject,
  checkKey,
  decodeStoredObject,
  encodeStoredObject,
} from '../lib';
import { InFlight } from './in-flight';
import { lmdbFileProblem } from './lmdb-file-check';

/** Throws when an existing data file would crash LMDB (see lmdb-file-check.ts). */
function checkDataFile(file: string): void {
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 2 * 65536));
    readSync(fd, head, 0, head.length, 0);
    const problem = lmdbFileProblem(head, size);
    if (problem) throw new Error(`${file}: ${problem}`);
  } finally {
    closeSync(fd);
  }
}

/** The directory of the node's LMDB environment, under DATA_DIR. */
export const LMDB_DIR = 'kv';
/** Named databases the environment can hold: the largest ring (1024) plus margin. */
export const LMDB_MAX_DBS = 1024 + 64;

type PartitionDb = Database<Buffer, Buffer>;

const BINARY = { encoding: 'binary', keyEncoding: 'binary' } as const;

export function partitionDbName(index: PartitionIndex): string {
  return `p${index}`;
}

/** The partition of a database name as LMDB lists it (lmdb-js stores names NUL-terminated); undefined for any other name. */
export function partitionOfDbName(name: string): PartitionIndex | undefined {
  const m = /^p(0|[1-9]\d{0,9})$/.exec(name.endsWith('\u0000') ? name.slice(0, -1) : name);
  if (!m) return undefined;
  // Any ring has at most MAX_RING_SIZE partitions: a larger number is not a partition's database.
  const index = Number(m[1]);
  return isPartitionIndex(index, MAX_RING_SIZE) ? index : undefined;
}

function entryCount(db: PartitionDb): number {
  const stats: unknown = db.getStats();
  const n = typeof stats === 'object' && stats !== null ? (stats as { entryCount?: unknown }).entryCount : undefined;
  if (typeof n !== 'number') throw new Error('lmdb getStats() reported no entryCount');
  return n;
}

export class LmdbBackend implements StorageBackend {
  private closed = false;
  private readonly writes = new InFlight();

  constructor(
    readonly index: PartitionIndex,
    private readonly env: LmdbStorageEnvironment,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    const bytes = this.readable()?.get(Buffer.from(key, 'utf8'));
    return bytes && decodeStoredObject(bytes);
  }

  async put(key: string, obj: StoredObject): Promise<void> {
    checkKey(key);
    const bytes = encodeStoredObject(obj);
    await this.write((db) => db.put(Buffer.from(key, 'utf8'), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    if (!this.readable()) return; // never written: nothing to delete
    await this.write((db) => db.remove(Buffer.from(key, 'utf8')));
  }

  async fold(visit: (key: string, obj: StoredObject) => void | Promise<void>, opts: FoldOptions = {}): Promise<void> {
    const db = this.readable();
    if (!db) return;
    let remaining = opts.limit ?? Infinity;
    let cursor = opts.start ? Buffer.from(opts.start, 'utf8') : undefined;
    let exclusiveStart = false;
    while (remaining > 0) {
      // read one batch in a short read transaction; none is held while the visitor runs
      const batch: [string, StoredObject][] = [];
      for (const { key, value } of db.getRange({ start: cursor, exclusiveStart, limit: Math.min(FOLD_BATCH, remaining) })) {
        batch.push([key.toString('utf8'), decodeStoredObject(value)]);
      }
      if (batch.length === 0) return;
      for (const [key, obj] of batch) await visit(key, obj);
      remaining -= batch.length;
      cursor = Buffer.from(batch[batch.length - 1][0], 'utf8');
      exclusiveStart = true;
    }
  }

  async isEmpty(): Promise<boolean> {
    return (await this.size()) === 0;
  }

  async size(): Promise<number> {
    const db = this.readable();
    return db ? entryCount(db) : 0;
  }

  async drop(): Promise<void> {
    if (!this.readable()) return;
    await this.write((db) => db.clearAsync());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writes.drain();
  }

  /** The partition's database, created if it does not exist yet: for writes. */
  private db(): PartitionDb {
    if (this.closed) throw new KvError('closed', `lmdb backend of partition ${this.index} is closed`);
    return this.env.partitionDb(this.index);
  }

  /** The partition's database, or undefined while it was never written: for reads, which have nothing to read then. */
  private readable(): PartitionDb | undefined {
    if (this.closed) throw new KvError('closed', `lmdb backend of partition ${this.index} is closed`);
    return this.env.existingPartitionDb(this.index);
  }

  private write<T>(op: (db: PartitionDb) => Promise<T>): Promise<T> {
    return this.env.track(this.writes.track(op(this.db())));
  }
}

export class LmdbStorageEnvironment implements StorageEnvironment {
  readonly kind = 'lmdb' as const;
  private readonly dbs = new Map<PartitionIndex, PartitionDb>();
  private readonly handles = new Map<PartitionIndex, LmdbBackend>();
  private readonly writes = new InFlight();
  private closing: Promise<void> | undefined;

  private constructor(
    /** the environment's directory: `<DATA_DIR>/kv` */
    readonly path: string,
    private readonly root: RootDatabase<Buffer, Buffer>,
  ) {}

  /** Open (creating it if needed) the environment of the node whose DATA_DIR is `dataDir`. */
  /**
   * Open (creating it if needed) the environment of the node whose DATA_DIR is `dataDir`. Files
   * LMDB cannot open (not an LMDB file, truncated, another version) are refused with a
   * `storage-unusable` {@link KvError} and left as they are.
   */
  static open(dataDir: string): LmdbStorageEnvironment {
    const path = join(dataDir, LMDB_DIR);
    let root: RootDatabase<Buffer, Buffer> | undefined;
    try {
      mkdirSync(path, { recursive: true });
      checkDataFile(join(path, 'data.mdb'));
      root = open<Buffer, Buffer>({ path, noSubdir: false, maxDbs: LMDB_MAX_DBS, overlappingSync: false, ...BINARY });
      for (const name of root.getKeys()) partitionOfDbName(name.toString('utf8'));
    } catch (err) {
      void root?.close().catch(() => undefined);
      throw new KvError('storage-unusable', `cannot open the LMDB environment at ${path} (${(err as Error).message}); its files are kept for inspection`);
    }
    return new LmdbStorageEnvironment(path, root);
  }

  backend(index: PartitionIndex): StorageBackend {
    this.open();
    const handle = this.handles.get(index);
    if (handle && !handle.isClosed) return handle;
    const fresh = new LmdbBackend(index, this);
    this.handles.set(index, fresh);
    return fresh;
  }

  async partitionsWithData(): Promise<PartitionIndex[]> {
    this.open();
    const found: PartitionIndex[] = [];
    for (const name of this.root.getKeys()) {
      const index = partitionOfDbName(name.toString('utf8'));
      if (index !== undefined && entryCount(this.partitionDb(index)) > 0) found.push(index);
    }
    return found.sort((a, b) => a - b);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.handles.values()].map((h) => h.close()));
      await this.writes.drain();
      this.handles.clear();
      this.dbs.clear();
      await this.root.close();
    })();
    return this.closing;
  }

  /**
   * The named database of a partition if it exists, else undefined. Creating a named database is a
   * synchronous write transaction with its own durable commit (about 0.3 ms of the event loop here),
   * so reads of a partition that was never written (an empty vnode's startup, AAE and handoff checks,
   * on every partition a node owns) do not create one. For this environment's backends.
   */
  existingPartitionDb(index: PartitionIndex): PartitionDb | undefined {
    this.open();
    if (this.dbs.has(index)) return this.dbs.get(index);
    const name = partitionDbName(index);
    // lmdb-js keeps a database's name NUL-terminated in the main database; the plain name is checked too
    const exists = this.root.doesExist(Buffer.from(`${name}\u0000`, 'utf8')) || this.root.doesExist(Buffer.from(name, 'utf8'));
    return exists ? this.partitionDb(index) : undefined;
  }

  /** The named database of a partition, created on first use. For this environment's backends. */
  partitionDb(index: PartitionIndex): PartitionDb {
    this.open();
    let db = this.dbs.get(index);
    if (!db) {
      db = this.root.openDB<Buffer, Buffer>(partitionDbName(index), { ...BINARY });
      this.dbs.set(index, db);
    }
    return db;
  }

  /** Registers a write so `close` waits for it. For this environment's backends. */
  track<T>(p: Promise<T>): Promise<T> {
    return this.writes.track(p);
  }

  private open(): void {
    if (this.closing) throw new KvError('closed', `the lmdb storage environment at ${this.path} is closed`);
  }
}
