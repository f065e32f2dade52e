/**
 * The coordinator of a replicated request (the shape of riak_kv's put and get FSMs, for any
 * service): send a command to the vnodes of a preference list, answer at W (or R) good replies —
 * holding PW (PR) primaries to it — and, once every replica has answered or failed, read-repair the
 * ones behind with the merge the service's policy makes. The decisions are the pure functions of
 * lib/coordinator.ts and lib/quorum.ts; this provider only sends, times out and answers. A service
 * lists `ReplicaCoordinator` among its module's providers (it keeps no state of its own).
 *
 * ```ts
 * const request = coordinator.send(coordinator.apl(COUNTER, 'counter', key, 3), COUNTER, { op: 'get', key }, { need: 2, timeoutMs: 5000 });
 * const answer = await request.answer(); // { kind: 'met', replies: CounterReply[] } or why not
 * if (answer.kind === 'met') void request.repair({ ...counterMerge, command: (merged) => ({ op: 'set', key, value: merged }) });
 * ```
 */
import { Injectable } from '@nestjs/common';
import {
  AnnotatedEntry,
  AnyServiceRef,
  CommandOf,
  PairsOf,
  QuorumOutcome,
  ReadRepairPolicy,
  RepairPlan,
  ReplicaReply,
  ReplyFor,
  planRepair,
  primariesAnswered,
  primaryCountOf,
  serviceName,
} from '../../lib';
import { PreflistService } from './preflist.service';
import { QuorumError, gather } from './gather';
import { VnodeMaster } from './vnode-master.service';

export interface CoordinateOptions {
  /** good replies the request needs (W or R), `counted` ones included */
  readonly need: number;
  /** each replica's bound, and the deadline of the quorum */
  readonly timeoutMs: number;
  /** primaries (not fallbacks) that must reply well (PW or PR); too few up: refused, nothing sent */
  readonly primaries?: number;
  /**
   * Good replies already in hand before these entries are asked (riak_kv_put_fsm's coordinating
   * vnode, whose own write counts towards W), and how many of them came from primaries.
   */
  readonly counted?: { readonly ok: number; readonly primaries: number };
  /**
   * Ask only the first `askFirst` entries (in the order given) at first; the others are spares,
   * asked too as soon as one of the first fails or when the quorum is not met within `spareAfterMs`
   * (Cassandra's speculative retry). Read repair then covers the replicas asked. Ignored with
   * `primaries` (PW/PR count the primaries' own replies, so every one is asked).
   */
  readonly askFirst?: number;
  /** default {@link DEFAULT_SPARE_AFTER_MS} */
  readonly spareAfterMs?: number;
}

/** When a request asking `askFirst` replicas first asks its spares too, if the quorum is not met by then. */
export const DEFAULT_SPARE_AFTER_MS = 50;

/** Read repair as a service supplies it: the policy, and the command that brings a replica up to the merge. */
export interface ReadRepair<R, S, C> extends ReadRepairPolicy<R, S> {
  command(merged: S): C;
  /** each repair command's bound (default: the runtime's request timeout) */
  readonly timeoutMs?: number;
}

/** What read repair found and did: the plan, every settled reply, and the repair commands that failed. */
export interface RepairOutcome<R, S> {
  readonly plan: RepairPlan<S>;
  readonly replies: readonly ReplicaReply<R>[];
  /** the stale replicas that were sent the merge */
  readonly repaired: readonly AnnotatedEntry[];
  /** of those, how many did not take it */
  readonly failed: number;
}

/** One request in flight: its replies, answered at the quorum, then settled for read repair. */
export class CoordinatedRequest<Svc extends AnyServiceRef, R> {
  private answered?: Promise<QuorumOutcome<R>>;
  private all?: { readonly of: number; readonly replies: Promise<ReplicaReply<R>[]> };
  /** the entries asked so far, and their replies (same positions) */
  private readonly askedEntries: AnnotatedEntry[] = [];
  private readonly replies: Promise<R>[] = [];

  constructor(
    private readonly master: VnodeMaster,
    private readonly service: Svc,
    /** every entry the request may ask */
    readonly entries: readonly AnnotatedEntry[],
    /** sends the command to some entries (the first at position `from` of `entries`): one reply each */
    private readonly ask: (entries: readonly AnnotatedEntry[], from: number) => Promise<R>[],
    private readonly o: CoordinateOptions,
    /** refused before anything was sent */
    private readonly refused?: QuorumOutcome<R>,
  ) {
    if (refused) return;
    const first = o.askFirst !== undefined && !(o.primaries ?? 0) ? Math.max(1, o.askFirst) : entries.length;
    this.askEntries(entries.slice(0, first));
  }

  /** The entries asked so far: the first `askFirst`, then the spares if they were needed. */
  get asked(): readonly AnnotatedEntry[] {
    return this.askedEntries;
  }

  /** Ask the entries not asked yet (nothing when every one was); the settled replies then include theirs. */
  askRest(): Promise<R>[] {
    return this.askEntries(this.entries.slice(this.askedEntries.length));
  }

  /** The answer: `met` as soon as `need` replied well (and PW/PR primaries did), else why not. */
  answer(): Promise<QuorumOutcome<R>> {
    return (this.answered ??= this.refused ? Promise.resolve(this.refused) : this.count());
  }

  /** Every reply of the entries asked (positions as in `asked`), once all have settled (each is bounded by the request's timeout). */
  async settled(): Promise<ReplicaReply<R>[]> {
    // the spares are asked, if at all, before the answer
    if (this.askedEntries.length < this.entries.length) await this.answer();
    if (this.all?.of !== this.replies.length) {
      const replies = Promise.allSettled(this.replies).then((s) => s.map((r): ReplicaReply<R> => (r.status === 'fulfilled' ? { ok: true, value: r.value } : { ok: false, reason: reasonOf(r.reason) })));
      this.all = { of: this.replies.length, replies };
    }
    return this.all.replies;
  }

  /** Like `answer`, but counted once every replica has answered or failed: all the good replies. */
  async everyAnswer(): Promise<QuorumOutcome<R>> {
    if (this.refused) return this.refused;
    const ok = (await this.settled()).flatMap((r) => (r.ok ? [r.value] : []));
    const have = ok.length + (this.o.counted?.ok ?? 0);
    return have >= this.o.need ? { kind: 'met', replies: ok } : { kind: 'insufficient', have, need: this.o.need };
  }

  /** Once every replica has settled: send the merge to the replicas behind it, at most once. */
  async repair<S, C extends CommandOf<PairsOf<Svc>>>(repair: ReadRepair<R, S, C>): Promise<RepairOutcome<R, S>> {
    const replies = await this.settled();
    const plan = planRepair(replies, repair);
    if (plan.kind !== 'repair') return { plan, replies, repaired: [], failed: 0 };
    const stale = plan.stale.map((i) => this.askedEntries[i]);
    const opts = repair.timeoutMs === undefined ? undefined : { timeoutMs: repair.timeoutMs };
    const results = await Promise.allSettled(this.master.command(stale, serviceName(this.service), repair.command(plan.merged), opts));
    return { plan, replies, repaired: stale, failed: results.filter((r) => r.status === 'rejected').length };
  }

  private async count(): Promise<QuorumOutcome<R>> {
    const counted = this.o.counted ?? { ok: 0, primaries: 0 };
    const need = this.o.need - counted.ok;
    let ok: readonly R[] = [];
    if (need > 0) {
      try {
        const spares = this.entries.length - this.askedEntries.length;
        const spare = spares > 0 ? { count: spares, afterMs: this.o.spareAfterMs ?? DEFAULT_SPARE_AFTER_MS, ask: () => this.askRest() } : undefined;
        ok = (await gather([...this.replies], need, this.o.timeoutMs, spare)).ok;
      } catch (err) {
        if (!(err instanceof QuorumError)) throw err;
        const have = counted.ok + err.have;
        return err.kind === 'timeout' ? { kind: 'timeout', have, need: this.o.need, timeoutMs: this.o.timeoutMs } : { kind: 'insufficient', have, need: this.o.need };
      }
    }
    const primaries = this.o.primaries ?? 0;
    if (primaries > counted.primaries) {
      // PW/PR after the quorum: the primaries' own replies, each bounded by the request's timeout.
      const have = counted.primaries + primariesAnswered(this.entries, await this.settledPrimaries());
      if (have < primaries) return { kind: 'insufficient-primaries', have, need: primaries };
    }
    return { kind: 'met', replies: ok };
  }

  /** The replies of the primaries settled (fallbacks' left out: they never count towards PW/PR). */
  private async settledPrimaries(): Promise<ReplicaReply<R>[]> {
    const settled = await Promise.allSettled(this.askedEntries.map((e, i) => (e.type === 'primary' ? this.replies[i] : Promise.reject(new Error('fallback')))));
    return settled.map((r) => (r.status === 'fulfilled' ? { ok: true, value: r.value } : { ok: false, reason: reasonOf(r.reason) }));
  }

  /** Send to `entries` (not asked before): their replies, also appended to the request's. */
  private askEntries(entries: readonly AnnotatedEntry[]): Promise<R>[] {
    if (entries.length === 0) return [];
    const replies = this.ask(entries, this.askedEntries.length);
    this.askedEntries.push(...entries);
    this.replies.push(...replies);
    return replies;
  }
}

@Injectable()
export class ReplicaCoordinator {
  constructor(
    private readonly master: VnodeMaster,
    private readonly preflists: PreflistService,
  ) {}

  /** The annotated preference list of (bucket, key): up primaries, then fallbacks for down ones. */
  apl(service: AnyServiceRef, bucket: string, key: string, n: number): AnnotatedEntry[] {
    return this.preflists.apl(service, bucket, key, n);
  }

  /**
   * `command` to the vnodes of `entries` (to the first `askFirst` of them, the others when needed);
   * each reply typed by the command sent. With PW/PR
   * (`primaries`) and fewer primaries up than that, nothing is sent and the answer is
   * `insufficient-primaries`.
   */
  send<S extends AnyServiceRef, const C extends CommandOf<PairsOf<S>>>(entries: readonly AnnotatedEntry[], service: S, command: C, o: CoordinateOptions): CoordinatedRequest<S, ReplyFor<PairsOf<S>, C>> {
    const ask = (to: readonly AnnotatedEntry[]) => this.master.command<ReplyFor<PairsOf<S>, C>>(to, serviceName(service), command, { timeoutMs: o.timeoutMs });
    return this.start(entries, service, ask, o);
  }

  /**
   * Like `send`, but each entry is asked as `askOne` says, given its position in `entries`: for a
   * service that asks its replicas different things, such as a digest read (the object from the
   * first, only its version's digest from the others). Its replies are what the quorum counts and
   * read repair merges. Entries are asked in order (the first before the others).
   */
  sendEach<S extends AnyServiceRef, R>(entries: readonly AnnotatedEntry[], service: S, askOne: (entry: AnnotatedEntry, position: number) => Promise<R>, o: CoordinateOptions): CoordinatedRequest<S, R> {
    return this.start(entries, service, (to, from) => to.map((e, i) => askOne(e, from + i)), o);
  }

  private start<S extends AnyServiceRef, R>(entries: readonly AnnotatedEntry[], service: S, ask: (to: readonly AnnotatedEntry[], from: number) => Promise<R>[], o: CoordinateOptions): CoordinatedRequest<S, R> {
    const up = primaryCountOf(entries) + (o.counted?.primaries ?? 0);
    if (up < (o.primaries ?? 0)) return new CoordinatedRequest(this.master, service, entries, ask, o, { kind: 'insufficient-primaries', have: up, need: o.primaries ?? 0 });
    return new CoordinatedRequest(this.master, service, entries, ask, o);
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
