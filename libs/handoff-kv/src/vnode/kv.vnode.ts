/**
 * The KV vnode (riak_kv_vnode without versioning): one per partition of the `kv` service, holding
 * that partition's {@link StoredObject}s in the node's storage backend, answering the
 * {@link KvCommand}s, and implementing every handoff callback so its data can move (ownership,
 * hinted and repair handoff). Versions are decided and merged by the {@link VersionPolicy} it is
 * given ({@link lastWriterWins} when none): `coordinate` on a client write, `merge` for replicated,
 * repaired and handed-off data meeting a key the vnode already holds.
 *
 * Writes are pipelined (riak_core's `noreply`): a write command takes the vnode's mailbox only
 * until its new version is computed and handed to the backend; the answer goes out once the write
 * is durable, while the mailbox serves the next commands, so writes that arrive during a commit
 * share the next one instead of each waiting for the last. Until its commit, a write is what the
 * vnode's own reads see (`pending`). Folds, emptiness, drops and `terminate` first wait for every
 * write still committing. Writes during a handoff are not pipelined: they are copied to the
 * target once durable, as before.
 *
 * Invariant: the backend and the writes still committing to it are the vnode's only state besides
 * bookkeeping, so a restarted vnode (after a crash) serves the same data; `terminate` waits for
 * those writes and has nothing else to release (the environment belongs to {@link KvStorage}).
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
  Sender,
  noreply,
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
  versionDigest,
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

/**
 * Writes one vnode lets commit at once: past this, a write holds the mailbox until it is durable,
 * so the commands behind it wait in the mailbox, whose bound then refuses more (`overload`).
 */
export const KV_MAX_COMMITTING = 1000;

/** An answer, and the commit of the write it made, if it made one. */
interface Applied {
  readonly answer: KvReply;
  readonly durable?: Promise<void>;
}

@Injectable()
export class KvVnode implements Vnode<KvCommand, KvReply> {
  private ctx!: VnodeContext;
  private store!: StorageBackend;
  private handoff: HandoffTarget | undefined;
  /** the newest write of each key still committing (undefined: a removal) and its commit: what this vnode's reads see until it is durable */
  private readonly pending = new Map<string, { readonly object: StoredObject | undefined; readonly commit: Promise<void> }>();
  /** the commits of writes not yet durable */
  private readonly committing = new Set<Promise<void>>();

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

  async handleCommand(command: KvCommand, sender?: Sender): Promise<CommandResult<KvReply>> {
    if (!isKvCommand(command)) return refuse(`not a kv command: ${describe(command)}`);
    const { answer, durable } = await this.apply(command);
    if (!durable) return reply(answer);
    if (!sender || this.committing.size > KV_MAX_COMMITTING) {
      await durable;
      return reply(answer);
    }
    durable.then(
      () => this.ctx.reply(sender, answer),
      (err: unknown) => this.ctx.fail(sender, err instanceof Error ? err : new Error(String(err))),
    );
    return noreply;
  }

  /**
   * Writes are applied here and copied to the target (a write after the fold passed its key still
   * arrives); reads are served locally. A write coordinated here is copied as the version it
   * produced (a `put`), so the target never coordinates it a second time into a concurrent version.
   */
  async handleHandoffCommand(command: KvCommand): Promise<HandoffCommandResult<KvReply>> {
    if (!isKvCommand(command)) return refuse(`not a kv command: ${describe(command)}`);
    const { answer, durable } = await this.apply(command);
    await durable;
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
    await this.settled();
    await this.store.fold((key, value) => visit(key, this.digest(value)));
  }

  /** Every stored object (tombstones too, so deletes move with the data), in key order; with `keySpaces`, only keys whose ring partition is listed. */
  async fold(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void> {
    const wanted = keySpaces && new Set(keySpaces);
    // writes issued before the handoff began are in storage before the fold reads it (later ones are copied)
    await this.settled();
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
    await (await this.receive(item.key, item.object)).durable;
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
    await Promise.all([...latest].map(async ([key, object]) => (await this.receive(key, object)).durable));
    return { kind: 'ok' };
  }

  async isEmpty(): Promise<boolean> {
    await this.settled();
    return this.store.isEmpty();
  }

  async size(): Promise<number> {
    await this.settled();
    return this.store.size();
  }

  async delete(): Promise<void> {
    await this.settled();
    return this.store.drop();
  }

  /** Waits for the writes still committing: a fresh vnode of this partition must find them in storage. */
  async terminate(): Promise<void> {
    this.handoff = undefined;
    await this.settled();
  }

  /** `command` was checked by the caller (`isKvCommand`): every command is validated once. */
  private async apply(command: KvCommand): Promise<Applied> {
    switch (command.op) {
      case 'put': {
        const { value, tombstone, context, updatedAt } = command.object;
        return { answer: OK, ...(await this.receive(command.key, { value, tombstone, context, updatedAt })) };
      }
      case 'reap': {
        const local = await this.read(command.key);
        if (local?.tombstone && canonicalEqual(local.context, command.context)) return { answer: OK, durable: this.write(command.key, undefined) };
        return { answer: OK };
      }
      case 'coordinate': {
        const local = await this.read(command.key);
        let object: StoredObject;
        try {
          object = this.versions.coordinate(local, command.write, `${this.ctx.node}/${this.ctx.index}`, this.clock.now());
        } catch (err) {
          if (err instanceof WriteRefusedError) return { answer: { ok: false, refused: { code: err.code, message: err.message } } };
          throw err;
        }
        return { answer: { ok: true, object }, durable: this.write(command.key, object) };
      }
      case 'get': {
        const object = await this.read(command.key);
        return { answer: object ? { found: true, object } : { found: false } };
      }
      case 'digest': {
        const object = await this.read(command.key);
        return { answer: object ? { found: true, digest: this.digest(object), updatedAt: object.updatedAt } : { found: false } };
      }
      case 'delete':
        return { answer: OK, durable: this.write(command.key, await this.tombstone(command)) };
      case 'list':
        return { answer: await this.list(command.limit ?? KV_LIST_LIMIT, () => true) };
    }
  }

  private async tombstone(command: KvDeleteCommand): Promise<StoredObject> {
    const existing = await this.read(command.key);
    return tombstoneOf(existing, command.updatedAt ?? this.clock.now(), command.context);
  }

  /** Merge a version decided elsewhere into what this vnode holds (the policy keeps both sides' information); no write when that changes nothing. */
  private async receive(key: string, incoming: StoredObject): Promise<{ durable?: Promise<void> }> {
    const held = this.pending.get(key);
    const existing = held ? held.object : await this.store.get(key);
    const merged = this.versions.merge(existing, incoming);
    // what is held already: durable once the write still committing it is (if one is)
    if (existing && merged === existing) return { durable: held?.commit };
    return { durable: this.write(key, merged) };
  }

  /** What the vnode holds for `key`: its newest write still committing, else what storage holds. */
  private read(key: string): Promise<StoredObject | undefined> {
    const p = this.pending.get(key);
    return p ? Promise.resolve(p.object) : this.store.get(key);
  }

  /**
   * Hand a write to the backend (`obj` undefined: remove the key). Reads see it at once; the promise
   * resolves once it is durable and reported to anti-entropy (when it listens).
   */
  private write(key: string, obj: StoredObject | undefined): Promise<void> {
    const commit: Promise<void> = (obj ? this.store.put(key, obj) : this.store.delete(key))
      .then(() => this.ctx.updateHashtree?.(key, obj && this.digest(obj)))
      .finally(() => {
        if (this.pending.get(key)?.commit === commit) this.pending.delete(key);
        this.committing.delete(commit);
      });
    this.pending.set(key, { object: obj, commit });
    this.committing.add(commit);
    return commit;
  }

  /**
   * Resolves once every write issued before the call is durable or failed. Not the writes issued
   * after: a fold beside the mailbox must start even while writes keep coming (those of a handoff
   * are copied to the target), and the callers in the mailbox issue none meanwhile.
   */
  private async settled(): Promise<void> {
    await Promise.allSettled([...this.committing]);
  }

  private digest(obj: StoredObject): string {
    return versionDigest(this.versions, obj);
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
