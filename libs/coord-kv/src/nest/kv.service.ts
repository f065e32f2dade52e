/**
 * The KV service API (`store`, `fetch`, `remove`) used by the HTTP controller, the WebSocket
 * gateway and the CLI: one coordinator per request over the key's annotated preference list
 * (sloppy quorum: fallbacks stand in for down primaries), answering at W (or R) replies.
 *
 * Writes (riak_kv_put_fsm): the first vnode of the list coordinates — it applies the client's write
 * to what it holds with the causal version policy — and the resulting version is then sent to the
 * other N-1 vnodes, which merge it; the coordinator's own write counts towards W. Reads
 * (riak_kv_get_fsm): R vnodes are asked, this node's first — the others only when one of those
 * fails or is slow, as Cassandra's speculative retry does, since each remote ask costs about as
 * much CPU as the HTTP request itself. The first sends its object, the others only their
 * version's digest, and their object only when it differs (Cassandra's digest reads): a value
 * crosses the network once per read, whatever R. The answers are merged causally; concurrent values come
 * back as siblings with a context that resolves them; once every vnode asked has answered, those
 * holding less are repaired (active anti-entropy heals the ones not asked), and a delete that all
 * N primaries hold is reaped (the tombstone is removed for good) once the delete mode allows it
 * and no node holds data of the key's partitions it does not own.
 */
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AnnotatedEntry, ClusterTransfersService, CoordinatedRequest, NodeClock, ReadRepair, ReplicaCoordinator, ReplicaReply, RingManager, VnodeError, VnodeMaster, primaryCountOf } from '@ringnest/riak-core';
import { KV, KV_BUCKET, KV_VERSION_POLICY, KvCoordinateReply, KvDigestReply, KvGetReply, KvPutCommand, StoredObject, VersionPolicy, versionDigest } from '@ringnest/handoff-kv';
import { QuorumOptions } from '../lib/kv-options';
import { checkValue } from '../lib/kv-value';
import { JsonText, distinctTexts, toJsonText, valueOf } from '../lib/json-text';
import { DvvError, DvvSet, VersionVector, canReap, decodeContext, encodeContext, join, liveValues, sameVersion, syncAll } from '../lib/dvv';
import { DEFAULT_DELETE_MODE, DeleteMode, tombstoneRipe } from '../lib/delete-mode';
import { KvWatchService } from './kv-watch.service';
import { InsufficientPrimariesError, InsufficientVnodesError, InvalidKvRequestError, QuorumTimeoutError, WriteRefusedByPolicyError, answeredOrThrow } from '../lib/kv-errors';
import { CausalVersions, objectOf, stateOf } from './causal-versions';

export interface StoreResult {
  readonly acks: number;
  /** the context of the version written */
  readonly context: string;
}

/** The delete mode a node's KvService reaps tombstones with (`KvModule.register({ deleteMode })`). */
export const KV_DELETE_MODE = Symbol('KV_DELETE_MODE');

/** A replica's answer: its single value, or its siblings. */
export type ReplicaValue<V = unknown> = { readonly one: V } | { readonly many: readonly V[] };

/** What a read found. */
export type Fetched<V> =
  | {
      readonly kind: 'found';
      readonly replicas: readonly ReplicaValue<V>[];
      /** the value when there is exactly one, else the distinct concurrent values */
      readonly value?: V;
      readonly siblings?: readonly V[];
      readonly context: string;
    }
  | { readonly kind: 'not-found' };

/** A read's values, parsed. */
export type FetchResult = Fetched<unknown>;

/** A read's values as JSON text (json-text.ts), to splice into an answer without parsing them. */
export type FetchedText = Fetched<JsonText>;

@Injectable()
export class KvService {
  private readonly logger = new Logger(KvService.name);

  constructor(
    private readonly coordinator: ReplicaCoordinator,
    /** the coordinating vnode's write, the replication of a W=1 write and the reap of a delete */
    private readonly master: VnodeMaster,
    private readonly rings: RingManager,
    private readonly watches: KvWatchService,
    @Optional() private readonly transfers?: ClusterTransfersService,
    @Optional() @Inject(KV_DELETE_MODE) private readonly deleteMode: DeleteMode = DEFAULT_DELETE_MODE,
    /** the wall clock of a read repair's `updatedAt` (with any injected offset: node-clock.ts) */
    @Optional() private readonly clock?: NodeClock,
    /** the vnodes' version policy, whose digests digest reads compare (default: causal versions) */
    @Optional() @Inject(KV_VERSION_POLICY) private readonly versions: VersionPolicy = new CausalVersions(),
  ) {}

  /**
   * Store `value`; `context` (from a read) supersedes exactly what was read, none supersedes what
   * the coordinating replica holds. A value every replica could not take (`checkValue`) is refused
   * (`InvalidKvRequestError`, `bad_request`) before anything is written.
   */
  async store(key: string, value: unknown, o: QuorumOptions, context?: string): Promise<StoreResult> {
    const problem = checkValue(value);
    if (problem) throw new InvalidKvRequestError('bad_request', problem);
    return this.write(key, { value: toJsonText(value), tombstone: false, context: this.context(context) }, o, value);
  }

  remove(key: string, o: QuorumOptions, context?: string): Promise<StoreResult> {
    return this.write(key, { tombstone: true, context: this.context(context) }, o, undefined);
  }

  /** Read `key`; the values parsed. */
  async fetch(key: string, o: QuorumOptions): Promise<FetchResult> {
    const r = await this.fetchText(key, o);
    if (r.kind === 'not-found') return r;
    const replicas = r.replicas.map((x): ReplicaValue => ('one' in x ? { one: valueOf(x.one) } : { many: x.many.map(valueOf) }));
    const parsed = { kind: 'found' as const, replicas, context: r.context };
    return r.siblings ? { ...parsed, siblings: r.siblings.map(valueOf) } : { ...parsed, value: valueOf(r.value as JsonText) };
  }

  /** Read `key`; the values as JSON text. */
  async fetchText(key: string, o: QuorumOptions): Promise<FetchedText> {
    // This node's replica first: R replicas are asked, the others only if one of those fails or is slow.
    // The first replica asked sends its object, the others only their version's digest (a digest read).
    const apl = localFirst(this.apl(key, o.n), this.rings.self);
    let first: Promise<KvGetReply> | undefined;
    // once the first read has failed or found nothing, a replica asked after it (a spare) is asked for its object at once
    let firstMissed = false;
    // the first object and its digest, computed once whatever the number of digest reads
    let held: Promise<HeldVersion | undefined> | undefined;
    const read = (entry: AnnotatedEntry, position: number): Promise<KvGetReply> => {
      if (position > 0 && first && !firstMissed) {
        held ??= first.then(
          (r) => (r.found ? { object: r.object, digest: versionDigest(this.versions, r.object) } : undefined),
          () => undefined,
        );
        return this.digestRead(entry, key, held, o.timeoutMs);
      }
      const object = this.master.syncCommand(entry, KV, { op: 'get', key }, { timeoutMs: o.timeoutMs });
      if (position === 0) {
        first = object;
        first.then(
          (r) => (firstMissed = !r.found),
          () => (firstMissed = true),
        );
      }
      return object;
    };
    const request = this.coordinator.sendEach(apl, KV, read, { need: o.r, timeoutMs: o.timeoutMs, primaries: o.pr ?? 0, askFirst: o.r });
    const ok = answeredOrThrow(await request.answer(), o.timeoutMs);
    void this.repairWhenSettled(key, o.n, apl, request);
    const states = ok.filter((r): r is Extract<KvGetReply, { found: true }> => r.found).map((r) => stateOf(r.object));
    const merged = syncAll(states);
    const live = liveValues(merged);
    if (live.length === 0) return { kind: 'not-found' };
    const replicas: ReplicaValue<JsonText>[] = [];
    for (const s of states) {
      const vs = liveValues(s);
      if (vs.length === 1) replicas.push({ one: vs[0] });
      else if (vs.length > 1) replicas.push({ many: vs });
    }
    const context = encodeContext(join(merged));
    if (live.length === 1) return { kind: 'found', replicas, value: live[0], context };
    return { kind: 'found', replicas, siblings: distinctTexts(live), context };
  }

  /**
   * Ask `entry` for its version's digest only. When it is the version another replica sent (`held`),
   * that object stands for this replica's answer; otherwise — another version, or the other
   * replica's object missing — the object is asked for. A node of an earlier version, which
   * refuses digest reads, is asked for the object too.
   */
  private async digestRead(entry: AnnotatedEntry, key: string, held: Promise<HeldVersion | undefined>, timeoutMs: number): Promise<KvGetReply> {
    const deadline = Date.now() + timeoutMs;
    const object = () => this.master.syncCommand(entry, KV, { op: 'get', key }, { timeoutMs: Math.max(1, deadline - Date.now()) });
    let version: KvDigestReply;
    try {
      version = await this.master.syncCommand(entry, KV, { op: 'digest', key }, { timeoutMs });
    } catch (err) {
      if (err instanceof VnodeError && err.code === 'bad-command') return object();
      throw err;
    }
    if (!version.found) return version;
    const same = await held;
    if (same?.digest === version.digest) return { found: true, object: { ...same.object, updatedAt: version.updatedAt } };
    return object();
  }

  /** Wall-clock ms as data carries it (`updatedAt`), with the node's injected offset if any. */
  private wallClock(): number {
    return this.clock ? this.clock.now() : Date.now();
  }

  /** The ring size, for validating n. */
  ringSize(): number {
    return this.rings.current.ringSize;
  }

  private apl(key: string, n: number): AnnotatedEntry[] {
    return this.coordinator.apl(KV, KV_BUCKET, key, n);
  }

  private context(header: string | undefined): VersionVector | null {
    if (header === undefined || header === '') return null;
    try {
      return decodeContext(header);
    } catch (err) {
      if (err instanceof DvvError) throw new InvalidKvRequestError('bad_context', `X-Ringnest-Context: ${err.message}`);
      throw err;
    }
  }

  /** Coordinate `write` (its value as JSON text); watchers are told `value`, the value itself. */
  private async write(key: string, write: { value?: JsonText; tombstone: boolean; context: VersionVector | null }, o: QuorumOptions, value: unknown): Promise<StoreResult> {
    const apl = this.apl(key, o.n);
    if (apl.length < o.w) throw new InsufficientVnodesError(apl.length, o.w);
    // PW before anything is written: fewer primaries up than needed is refused.
    const up = primaryCountOf(apl);
    if (up < (o.pw ?? 0)) throw new InsufficientPrimariesError(up, o.pw ?? 0);
    const deadline = Date.now() + o.timeoutMs;
    const [coordinator, ...others] = apl;
    let coordinated: KvCoordinateReply;
    try {
      coordinated = await this.master.syncCommand(coordinator, KV, { op: 'coordinate', key, write }, { timeoutMs: o.timeoutMs });
    } catch (err) {
      if (err instanceof VnodeError && err.code === 'timeout') throw new QuorumTimeoutError(0, o.w, o.timeoutMs);
      throw new InsufficientVnodesError(0, o.w);
    }
    if (!coordinated.ok) throw new WriteRefusedByPolicyError(coordinated.refused.code, coordinated.refused.message);
    const { object } = coordinated;
    const context = encodeContext(join(stateOf(object)));
    const acknowledged = (acks: number): StoreResult => {
      this.watches.publish({ key, value: write.tombstone ? undefined : value, deleted: write.tombstone, context }, write.value);
      return { acks, context };
    };
    if (o.w === 1) {
      // Replicate without waiting: W is met by the coordinator.
      void Promise.allSettled(this.master.command(others, KV, { op: 'put', key, object }));
      return acknowledged(1);
    }
    const remaining = Math.max(1, deadline - Date.now());
    // The coordinator's own write counts towards W (and towards PW when it is a primary).
    const counted = { ok: 1, primaries: coordinator.type === 'primary' ? 1 : 0 };
    const request = this.coordinator.send(others, KV, { op: 'put', key, object }, { need: o.w, timeoutMs: remaining, primaries: o.pw ?? 0, counted });
    const ok = answeredOrThrow(await request.answer(), o.timeoutMs);
    return acknowledged(1 + ok.length);
  }

  /**
   * A tombstone every primary holds may go once its grace is over (delete mode) and no node holds
   * data of these partitions without owning them: fallback data handed back after the reap would
   * bring the deleted value back. Not reaped now means reaped by a later read.
   */
  private async mayReap(apl: readonly AnnotatedEntry[], replies: readonly ReplicaReply<KvGetReply>[]): Promise<boolean> {
    if (!tombstoneRipe(this.deleteMode, newestWrite(replies), this.wallClock())) return false;
    if (!this.transfers) return true;
    return !(await this.transfers.unownedAnywhere(KV.name, apl.map((e) => e.index)));
  }

  /**
   * Once every replica asked has answered (or failed), bring those holding less than the merge up
   * to it. A tombstone on all of them is a candidate for reaping, which needs every replica's word:
   * the others are asked then.
   */
  private async repairWhenSettled(key: string, n: number, apl: readonly AnnotatedEntry[], request: CoordinatedRequest<typeof KV, KvGetReply>): Promise<void> {
    let outcome = await request.repair(this.readRepair(key));
    const reapable = apl.length === n && apl.every((e) => e.type === 'primary');
    // The replicas asked agree on a tombstone the delete mode would reap now: the others' word decides.
    if (
      reapable &&
      outcome.plan.kind === 'in-sync' &&
      request.asked.length < apl.length &&
      canReap(outcome.plan.states, outcome.plan.states.length) &&
      tombstoneRipe(this.deleteMode, newestWrite(outcome.replies), this.wallClock())
    ) {
      request.askRest();
      outcome = await request.repair(this.readRepair(key));
    }
    const { plan, replies, repaired, failed } = outcome;
    // Every primary of the key answered with the same tombstone: the delete is everywhere, reap it.
    if (reapable && plan.kind === 'in-sync' && canReap(plan.states, n)) {
      if (await this.mayReap(apl, replies)) {
        await Promise.allSettled(this.master.command(apl, KV, { op: 'reap', key, context: plan.merged }));
      }
      return;
    }
    if (failed > 0) this.logger.debug(`read repair of ${key}: ${failed} of ${repaired.length} replicas not repaired`);
  }

  /** A replica is behind when it lacks the key or holds another version than the causal merge of all. */
  private readRepair(key: string): ReadRepair<KvGetReply, DvvSet<JsonText>, KvPutCommand> {
    return {
      stateOf: (r) => (r.found ? stateOf(r.object) : undefined),
      merge: (states) => syncAll(states),
      isStale: (state, merged) => !state || !sameVersion(state, merged),
      command: (merged) => ({ op: 'put', key, object: objectOf(merged, this.wallClock()) }),
    };
  }
}

/** The object one replica answered a read with, and its version's digest. */
interface HeldVersion {
  readonly object: StoredObject;
  readonly digest: string;
}

/** `apl` with the entries of node `self` first, the others in their order. */
function localFirst(apl: readonly AnnotatedEntry[], self: string): AnnotatedEntry[] {
  const local = apl.filter((e) => e.node === self);
  return local.length === 0 ? [...apl] : [...local, ...apl.filter((e) => e.node !== self)];
}

/** Newest write time of the replicas' copies (they all hold the same tombstone when this is asked). */
function newestWrite(replies: readonly ReplicaReply<KvGetReply>[]): number {
  let newest = 0;
  for (const r of replies) if (r.ok && r.value.found) newest = Math.max(newest, r.value.object.updatedAt);
  return newest;
}
