/**
 * The KV vnode (riak_kv_vnode without versioning): one per partition of the `kv` service, holding
 * that partition's {@link StoredObject}s in the node's storage backend, answering the
 * {@link KvCommand}s, and implementing every handoff callback so its data can move (ownership,
 * hinted and repair handoff). Versions are decided and merged by the {@link VersionPolicy} it is
 * given ({@link lastWriterWins} when none): `coordinate` on a client write, `merge` for replicated,
 * repaired and handed-off data meeting a key the vnode already holds.
 *
 * Invariant: the backend is the vnode's only state besides bookkeeping, so a restarted vnode (after
 * a crash) serves the same data, and `terminate` has nothing to release (the environment belongs to
 * {@link KvStorage}).
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CommandResult,
  HandoffCommandResult,
  HandoffDataResult,
  HandoffItem,
  HandoffTarget,
  PartitionIndex,
  Vnode,
  VnodeContext,
  keyIndex,
  refuse,
  reply,
  NodeClock,
} from '@ringnest/riak-core';
import {
  KV_BUCKET,
  KV_LIST_LIMIT,
  KvCommand,
  KvDeleteCommand,
  KvError,
  KvListReply,
  KvReply,
  StorageBackend,
  StoredObject,
  checkKey,
  decodeHandoffItem,
  encodeHandoffItem,
  isKvCommand,
  isKvWrite,
  isStoredObject,
  keyAfter,
  lastWriterWins,
  tombstoneOf,
  VersionPolicy,
  WriteRefusedError,
  storedDigest,
} from '../lib';
import { KvStorage } from './kv-storage.service';

/** Injection token of the {@link VersionPolicy} KV vnodes use (last writer wins when absent). */
export const KV_VERSION_POLICY = Symbol('KV_VERSION_POLICY');

/** The items of a fold, as the handoff sender sees them. */
export interface KvFoldItem extends HandoffItem {
  readonly key: string;
  readonly value: StoredObject;
}

const OK = { ok: true } as const;

@Injectable()
export class KvVnode implements Vnode<KvCommand, KvReply> {
  private ctx!: VnodeContext;
  private store!: StorageBackend;
  private handoff: HandoffTarget | undefined;

  private readonly versions: VersionPolicy;
  /** the wall clock of `updatedAt` (the node's, with any injected offset: node-clock.ts) */
  private readonly clock: { now(): number };

  constructor(
    private readonly storage: KvStorage,
    @Optional() @Inject(KV_VERSION_POLICY) versions?: VersionPolicy,
    @Optional() clock?: NodeClock,
  ) {
    this.versions = versions ?? lastWriterWins;
    this.clock = clock ?? { now: () => Date.now() };
  }

  init(ctx: VnodeContext): void {
    this.ctx = ctx;
    this.store = this.storage.backend(ctx.index);
  }

  /** Where this vnode's partition is being handed off to, while it is (bookkeeping for status). */
  get handingOffTo(): HandoffTarget | undefined {
    return this.handoff;
  }

  async handleCommand(command: KvCommand): Promise<CommandResult<KvReply>> {
    if (!isKvCommand(command)) return refuse(`not a kv command: ${describe(command)}`);
    return reply(await this.apply(command));
  }

  /**
   * Writes are applied here and copied to the target (a write after the fold passed its key still
   * arrives); reads are served locally. A write coordinated here is copied as the version it
   * produced (a `put`), so the target never coordinates it a second time into a concurrent version.
   */
  async handleHandoffCommand(command: KvCommand): Promise<HandoffCommandResult<KvReply>> {
    if (!isKvCommand(command)) return refuse(`not a kv command: ${describe(command)}`);
    const answer = await this.apply(command);
    if (command.op === 'coordinate') {
      // a write the version policy refused stored nothing: nothing to copy
      if (!('object' in answer)) return reply(answer);
      return { kind: 'reply-and-forward', reply: answer, forward: { op: 'put', key: command.key, object: answer.object } satisfies KvCommand };
    }
    return isKvWrite(command) ? { kind: 'reply-and-forward', reply: answer } : reply(answer);
  }

  /** Coverage `{op:'list', limit?}`: live keys of the partitions in `keySpaces` (this vnode also holds neighbours' replicas). */
  async handleCoverage(request: unknown, keySpaces: readonly PartitionIndex[]): Promise<CommandResult<KvListReply>> {
    if (!isKvCommand(request) || request.op !== 'list') return refuse(`kv coverage supports {op:'list'} only, got ${describe(request)}`);
    const wanted = new Set(keySpaces);
    return reply(await this.list(request.limit ?? KV_LIST_LIMIT, (key) => wanted.has(this.partitionOf(key))));
  }

  handoffStarting(target: HandoffTarget): boolean {
    this.handoff = target;
    return true;
  }

  handoffCancelled(): void {
    this.handoff = undefined;
  }

  handoffFinished(): void {
    this.handoff = undefined;
  }

  /** Active anti-entropy: every key with the version policy's digest of what is stored (tombstones too). */
  async foldDigests(visit: (key: string, digest: string) => void | Promise<void>): Promise<void> {
    await this.store.fold((key, value) => visit(key, this.digest(value)));
  }

  /** Every stored object (tombstones too, so deletes move with the data), in key order; with `keySpaces`, only keys whose ring partition is listed. */
  async fold(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void> {
    const wanted = keySpaces && new Set(keySpaces);
    await this.store.fold((key, value) => {
      if (wanted && !wanted.has(this.partitionOf(key))) return;
      const item: KvFoldItem = { key, value };
      return visit(item);
    });
  }

  encodeHandoffItem(item: HandoffItem): Uint8Array {
    if (typeof item.key !== 'string' || !isStoredObject(item.value)) throw new KvError('corrupt-object', 'kv handoff item: expected {key: string, value: StoredObject}');
    return encodeHandoffItem(item.key, item.value);
  }

  /** Idempotent: a version the vnode already holds (or one its version policy's merge ranks lower) changes nothing. */
  async handleHandoffData(data: Uint8Array): Promise<HandoffDataResult> {
    let item;
    try {
      item = decodeHandoffItem(data);
      checkKey(item.key);
    } catch (err) {
      return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
    }
    await this.receive(item.key, item.object);
    return { kind: 'ok' };
  }

  /**
   * Like `handleHandoffData` for a whole batch, with one durable commit for all of it instead of one
   * per item (lmdb-js puts issued together share a transaction). The optional batch callback of
   * the vnode behaviour: the handoff receiver calls it instead of `handleHandoffData` per item.
   */
  async handleHandoffBatch(items: readonly Uint8Array[]): Promise<HandoffDataResult> {
    const latest = new Map<string, StoredObject>();
    try {
      for (const data of items) {
        const { key, object } = decodeHandoffItem(data);
        checkKey(key);
        const seen = latest.get(key);
        latest.set(key, this.versions.merge(seen, object));
      }
    } catch (err) {
      return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
    }
    await Promise.all([...latest].map(([key, object]) => this.receive(key, object)));
    return { kind: 'ok' };
  }

  isEmpty(): Promise<boolean> {
    return this.store.isEmpty();
  }

  size(): Promise<number> {
    return this.store.size();
  }

  delete(): Promise<void> {
    return this.store.drop();
  }

  terminate(): void {
    this.handoff = undefined;
  }

  /** `command` was checked by the caller (`isKvCommand`): every command is validated once. */
  private async apply(command: KvCommand): Promise<KvReply> {
    switch (command.op) {
      case 'put': {
        const { value, tombstone, context, updatedAt } = command.object;
        await this.receive(command.key, { value, tombstone, context, updatedAt });
        return OK;
      }
      case 'reap': {
        const local = await this.store.get(command.key);
        if (local?.tombstone && canonicalEqual(local.context, command.context)) await this.remove(command.key);
        return OK;
      }
      case 'coordinate': {
        const local = await this.store.get(command.key);
        let object: StoredObject;
        try {
          object = this.versions.coordinate(local, command.write, `${this.ctx.node}/${this.ctx.index}`, this.clock.now());
        } catch (err) {
          if (err instanceof WriteRefusedError) return { ok: false, refused: { code: err.code, message: err.message } };
          throw err;
        }
        await this.write(command.key, object);
        return { ok: true, object };
      }
      case 'get': {
        const object = await this.store.get(command.key);
        return object ? { found: true, object } : { found: false };
      }
      case 'delete':
        await this.write(command.key, await this.tombstone(command));
        return OK;
      case 'list':
        return this.list(command.limit ?? KV_LIST_LIMIT, () => true);
    }
  }

  private async tombstone(command: KvDeleteCommand): Promise<StoredObject> {
    const existing = await this.store.get(command.key);
    return tombstoneOf(existing, command.updatedAt ?? this.clock.now(), command.context);
  }

  /** Merge a version decided elsewhere into what this vnode holds (the policy keeps both sides' information). */
  private async receive(key: string, incoming: StoredObject): Promise<void> {
    const existing = await this.store.get(key);
    const merged = this.versions.merge(existing, incoming);
    if (existing && merged === existing) return;
    await this.write(key, merged);
  }

  /** Store durably, then report the key's new version to anti-entropy (when it listens). */
  private async write(key: string, obj: StoredObject): Promise<void> {
    await this.store.put(key, obj);
    this.ctx.updateHashtree?.(key, this.digest(obj));
  }

  private async remove(key: string): Promise<void> {
    await this.store.delete(key);
    this.ctx.updateHashtree?.(key, undefined);
  }

  private digest(obj: StoredObject): string {
    return this.versions.digest ? this.versions.digest(obj) : storedDigest(obj);
  }

  /** Up to `limit` live keys that `accept` takes, in key order, scanning page by page so a partition full of tombstones still ends. */
  private async list(limit: number, accept: (key: string) => boolean): Promise<KvListReply> {
    const keys: string[] = [];
    let truncated = false;
    let start: string | undefined;
    const page = 1000;
    for (;;) {
      let seen = 0;
      let last: string | undefined;
      await this.store.fold(
        (key, obj) => {
          seen++;
          last = key;
          if (obj.tombstone || !accept(key)) return;
          if (keys.length < limit) keys.push(key);
          else truncated = true;
        },
        { start, limit: page },
      );
      if (truncated || seen < page || last === undefined) return { keys, truncated };
      start = keyAfter(last);
    }
  }

  private partitionOf(key: string): PartitionIndex {
    return keyIndex(KV_BUCKET, key, this.ctx.ringSize);
  }
}

function describe(x: unknown): string {
  try {
    return JSON.stringify(x)?.slice(0, 200) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Structural equality of two plain values (contexts are JSON-like data). */
function canonicalEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
