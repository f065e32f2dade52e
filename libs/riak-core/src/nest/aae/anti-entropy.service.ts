/**
 * Active anti-entropy at run time (riak_kv's entropy manager, index hashtrees and exchange FSMs in
 * one provider): for every service that opts in (libs/riak-core/docs/aae.md), it keeps the hash
 * trees of the vnodes this node owns, one per range each covers, up to date from the vnodes' write
 * reports; builds them from a fold of the data (or restores a clean shutdown's snapshots); and on a
 * timer runs the due exchanges with the other replicas of each range, a bounded number at once,
 * never for a partition in handoff or a busy vnode, repairing each differing key with the service's
 * own merge.
 *
 * Invariants: only owned partitions have trees (a fallback's writes go back by hinted handoff);
 * one build at a time per node; an exchange needs both trees ready (a peer whose tree is not ready
 * refuses with `not-ready`, and the exchange is retried soon instead of after a full interval).
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import {
  AntiEntropyHooks,
  ExchangeRemote,
  PartitionIndex,
  isPartitionIndex,
  PlannedExchange,
  VnodeTrees,
  coveredRanges,
  decodeTreeSnapshot,
  exchange,
  exchangeId,
  exchangesToStart,
  localRemote,
  memberOf,
  ownershipOf,
  treeShape,
  AaeClusterStatus,
  AaeExchangeView,
  AaeNodeStatus,
  decodeAaeNodeStatus,
  AaeVnodeView,
  DecodedSnapshot,
  HashTree,
  NodeName,
  ownedIndices,
} from '../../lib';
import { CLUSTER_CLIENT, ClusterClient, askOtherMembers } from '../transport';
import { RUNTIME_OPTIONS } from '../tokens';
import { Patterns } from '../transport/patterns';
import { RuntimeOptions } from '../node/runtime-options';
import { RingManager } from '../ring/ring-manager.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { HandoffManager } from '../handoff/handoff-manager.service';
import { MetricsRegistry } from '../http/metrics-registry';
import { TreeSnapshotStore } from './tree-snapshot-store';
import { remoteTrees } from './aae-remote';

/** A vnode busier than this (commands waiting) is not exchanged now: foreground work first. */
const BUSY_QUEUE = 8;
/** Keys repaired at once by one exchange. */
const REPAIR_PARALLELISM = 4;
/** A failed exchange (peer down, tree not ready) is tried again after this long. */
const RETRY_MS = 2000;

interface TrackedVnode {
  readonly service: string;
  readonly index: PartitionIndex;
  readonly trees: VnodeTrees;
  readonly exchanges: Map<string, AaeExchangeView>;
}

@Injectable()
export class AntiEntropyService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(AntiEntropyService.name);
  private readonly vnodes = new Map<string, TrackedVnode>();
  /** per service: when each exchange (by `exchangeId`) last ran */
  private readonly lastRun = new Map<string, Map<string, number>>();
  private readonly running = new Map<string, PlannedExchange & { readonly service: string }>();
  private timer: NodeJS.Timeout | undefined;
  private building = false;
  private stopped = false;
  private readonly shape;
  private readonly exchangesTotal: Counter<'service' | 'result'>;
  private readonly repairedTotal: Counter<'service'>;
  private readonly messagesTotal: Counter<'service'>;
  private readonly buildSeconds: Histogram<'service' | 'source'>;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly registry: ServiceRegistry,
    private readonly master: VnodeMaster,
    private readonly watcher: NodeWatcher,
    private readonly handoff: HandoffManager,
    private readonly snapshots: TreeSnapshotStore,
    metrics: MetricsRegistry,
  ) {
    this.shape = treeShape({ segments: options.aaeSegments, width: 16 });
    const registers = [metrics];
    this.exchangesTotal = new Counter({ name: 'ringnest_aae_exchanges_total', help: 'anti-entropy exchanges run by this node, by outcome (equal, repaired, failed)', labelNames: ['service', 'result'], registers });
    this.repairedTotal = new Counter({ name: 'ringnest_aae_keys_repaired_total', help: 'keys repaired by anti-entropy exchanges of this node', labelNames: ['service'], registers });
    this.messagesTotal = new Counter({ name: 'ringnest_aae_exchange_messages_total', help: 'requests sent by anti-entropy exchanges of this node', labelNames: ['service'], registers });
    this.buildSeconds = new Histogram({
      name: 'ringnest_aae_tree_build_seconds',
      help: "time to build a vnode's hash trees, from a fold of its data or from snapshots",
      labelNames: ['service', 'source'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
  }

  onModuleInit(): void {
    if (!this.options.aaeEnabled) return;
    this.master.onHashtreeUpdate((service, index, key, digest) => this.vnodes.get(`${service}/${index}`)?.trees.update(key, digest));
    this.timer = setInterval(() => this.tick(), this.options.aaeTickMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** After the vnodes stopped (no more writes): save the ready trees so a clean restart need not rebuild them. */
  async onApplicationShutdown(): Promise<void> {
    this.master.onHashtreeUpdate(undefined);
    for (const v of this.vnodes.values()) {
      if (!v.trees.ready || v.trees.building) continue;
      for (const [range, bytes] of v.trees.snapshots()) {
        await this.snapshots.save(snapshotName(v.service, v.index, range), bytes).catch((err: unknown) => this.logger.warn(`could not save the tree of ${v.service}/${v.index} range ${range}: ${message(err)}`));
      }
    }
  }

  /** The tree of `range` at this node's vnode (service, index), for a peer's exchange; why not when it cannot answer. */
  treeFor(service: string, index: PartitionIndex, range: PartitionIndex): HashTree | string {
    const v = this.vnodes.get(`${service}/${index}`);
    if (!v) return `no anti-entropy trees for ${service}/${index} on ${this.rings.self}`;
    if (!v.trees.ready) return 'not-ready';
    return v.trees.tree(range) ?? `${service}/${index} does not cover range ${range}`;
  }

  /**
   * {@link treeFor} with the index and range of a peer's request (integers, not yet checked against the
   * ring): the same answers, one out of the ring's range being a tree this node does not have.
   */
  requestedTree(service: string, index: number, range: number): HashTree | string {
    const q = this.rings.current.ringSize;
    if (!isPartitionIndex(index, q)) return `no anti-entropy trees for ${service}/${index} on ${this.rings.self}`;
    if (isPartitionIndex(range, q)) return this.treeFor(service, index, range);
    const own = this.treeFor(service, index, index);
    return typeof own === 'string' ? own : `${service}/${index} does not cover range ${range}`;
  }

  /** This node's trees and exchanges. */
  status(): AaeNodeStatus {
    const vnodes: AaeVnodeView[] = [...this.vnodes.values()]
      .sort((a, b) => a.service.localeCompare(b.service) || a.index - b.index)
      .map((v) => ({
        service: v.service,
        index: v.index,
        ready: v.trees.ready,
        building: v.trees.building,
        builtAt: v.trees.builtAt ?? null,
        keys: v.trees.size,
        exchanges: [...v.exchanges.values()].sort((a, b) => a.range - b.range || a.peer - b.peer),
      }));
    return { node: this.rings.self, enabled: this.options.aaeEnabled, vnodes };
  }

  /** Every member's status (asked in parallel, each within `timeoutMs`; one that does not answer is listed as unreachable). */
  async clusterStatus(timeoutMs = 2000): Promise<AaeClusterStatus> {
    const asked = await askOtherMembers(this.client, this.rings.current, this.rings.self, Patterns.aaeStatus, {}, timeoutMs);
    const answers = asked.map((a) => ('reply' in a ? decodeAaeNodeStatus(a.reply) : undefined) ?? a.node);
    const nodes = [this.status(), ...answers.filter((a): a is AaeNodeStatus => typeof a !== 'string')].sort((a, b) => a.node.localeCompare(b.node));
    return { nodes, unreachable: answers.filter((a): a is NodeName => typeof a === 'string') };
  }

  /** One round: follow the ring's ownership, start a build, start the due exchanges. */
  tick(): void {
    if (this.stopped) return;
    const ring = this.rings.current;
    const owners = ownershipOf(ring).owners;
    const q = ring.ringSize;
    const services = this.registry.all().flatMap((d) => (d.antiEntropy ? [{ name: d.name, hooks: d.antiEntropy() }] : []));
    const wanted = new Set<string>();
    for (const { name, hooks } of services) {
      ownedIndices(owners, this.rings.self).forEach((index) => {
        const key = `${name}/${index}`;
        wanted.add(key);
        if (!this.vnodes.has(key)) {
          const trees = new VnodeTrees(coveredRanges(q, this.options.aaeN, index), (k) => hooks.keyPartition(k, q), this.shape);
          this.vnodes.set(key, { service: name, index, trees, exchanges: new Map() });
        }
      });
    }
    for (const key of this.vnodes.keys()) if (!wanted.has(key)) this.vnodes.delete(key);
    const inHandoff = new Set(this.handoff.transfers().map((t) => t.index));
    this.startBuild(inHandoff);
    const queued = new Map(this.master.running().map((r) => [`${r.service}/${r.index}`, r.worker.queued]));
    for (const { name, hooks } of services) this.startExchanges(name, hooks, owners, inHandoff, queued);
  }

  private startBuild(inHandoff: ReadonlySet<PartitionIndex>): void {
    if (this.building) return;
    const now = Date.now();
    const due = [...this.vnodes.values()].find((v) => !v.trees.building && !inHandoff.has(v.index) && (!v.trees.ready || now - (v.trees.builtAt ?? 0) > this.options.aaeTreeExpiryMs));
    if (!due) return;
    this.building = true;
    void this.build(due).finally(() => {
      this.building = false;
      // the next vnode's trees at once rather than at the next tick (a restarted node has them all to build)
      if (!this.stopped) this.startBuild(new Set(this.handoff.transfers().map((t) => t.index)));
    });
  }

  private async build(v: TrackedVnode): Promise<void> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    if (!v.trees.ready && (await this.restore(v))) {
      this.buildSeconds.observe({ service: v.service, source: 'snapshot' }, seconds());
      return;
    }
    v.trees.startBuild();
    try {
      await this.master.worker(v.service, v.index).foldDigests((key, digest) => v.trees.folded(key, digest));
      v.trees.finishBuild(Date.now());
      this.buildSeconds.observe({ service: v.service, source: 'fold' }, seconds());
      this.logger.debug(`built the trees of ${v.service}/${v.index}: ${v.trees.size} keys in ${seconds().toFixed(3)} s`);
    } catch (err) {
      v.trees.abortBuild();
      this.logger.warn(`could not build the trees of ${v.service}/${v.index}: ${message(err)}`);
    }
  }

  /** Ready the trees from a clean shutdown's snapshots (removed as they are read); false to fold instead. */
  private async restore(v: TrackedVnode): Promise<boolean> {
    const decoded = new Map<PartitionIndex, DecodedSnapshot>();
    for (const range of v.trees.ranges) {
      const bytes = await this.snapshots.take(snapshotName(v.service, v.index, range)).catch(() => undefined);
      if (bytes) decoded.set(range, decodeTreeSnapshot(bytes));
    }
    if (decoded.size === 0) return false;
    const fresh = [...decoded.values()].every((d) => d.kind === 'snapshot' && Date.now() - d.snapshot.builtAt <= this.options.aaeTreeExpiryMs);
    return fresh && v.trees.restore(decoded);
  }

  /** `queued`: the commands waiting at each running vnode (`service/index`) */
  private startExchanges(service: string, hooks: AntiEntropyHooks, owners: readonly NodeName[], inHandoff: ReadonlySet<PartitionIndex>, queued: ReadonlyMap<string, number>): void {
    const blocked = new Set(inHandoff);
    for (const [key, v] of this.vnodes) {
      if (v.service === service && (!v.trees.ready || (queued.get(key) ?? 0) > BUSY_QUEUE)) blocked.add(v.index);
    }
    let lastRun = this.lastRun.get(service);
    if (!lastRun) this.lastRun.set(service, (lastRun = new Map()));
    const running = [...this.running.values()];
    const chosen = exchangesToStart({
      owners,
      n: this.options.aaeN,
      node: this.rings.self,
      up: this.watcher.upNodes(service),
      inHandoff: blocked,
      running: running.filter((r) => r.service === service),
      lastRun,
      now: Date.now(),
      minInterval: this.options.aaeExchangeIntervalMs,
      concurrency: this.options.aaeConcurrency - running.filter((r) => r.service !== service).length,
    });
    for (const e of chosen) {
      const id = `${service}/${exchangeId(e)}`;
      this.running.set(id, { ...e, service });
      lastRun.set(exchangeId(e), Date.now());
      void this.run(service, hooks, e, owners[e.peer]).finally(() => this.running.delete(id));
    }
  }

  /** One exchange of vnode `e.index`'s tree of `e.range` with vnode `e.peer` on `peerNode`, then the repairs. */
  private async run(service: string, hooks: AntiEntropyHooks, e: PlannedExchange, peerNode: NodeName): Promise<void> {
    const v = this.vnodes.get(`${service}/${e.index}`);
    const local = v?.trees.tree(e.range);
    if (!v || !local) return;
    const view: { -readonly [K in keyof AaeExchangeView]: AaeExchangeView[K] } = { peer: e.peer, peerNode, range: e.range, at: Date.now(), result: 'failed', differences: 0, repaired: 0, totalRepaired: v.exchanges.get(exchangeId(e))?.totalRepaired ?? 0, messages: 0, error: null };
    try {
      const remote = this.remote(service, e, peerNode);
      const outcome = await exchange(local, remote);
      this.messagesTotal.inc({ service }, outcome.messages);
      if (outcome.kind !== 'done') throw new Error(`bad reply from ${peerNode}: ${outcome.reason}`);
      let repaired = 0;
      const keys = outcome.differences.map((d) => d.key);
      const replicas = [
        { index: e.index, node: this.rings.self },
        { index: e.peer, node: peerNode },
      ];
      for (let i = 0; i < keys.length; i += REPAIR_PARALLELISM) {
        const done = await Promise.allSettled(keys.slice(i, i + REPAIR_PARALLELISM).map((k) => hooks.repair(k, replicas)));
        repaired += done.filter((d) => d.status === 'fulfilled').length;
      }
      this.repairedTotal.inc({ service }, repaired);
      Object.assign(view, { result: keys.length === 0 ? 'equal' : 'repaired', differences: keys.length, repaired, totalRepaired: view.totalRepaired + repaired, messages: outcome.messages });
      if (repaired < keys.length) this.logger.warn(`anti-entropy ${service} ${exchangeId(e)}: ${keys.length - repaired} of ${keys.length} repairs failed`);
      else if (keys.length > 0) this.logger.log(`anti-entropy ${service} partition ${e.index} range ${e.range} with ${e.peer}@${peerNode}: repaired ${repaired} keys`);
    } catch (err) {
      view.error = message(err);
      this.lastRun.get(service)?.set(exchangeId(e), Date.now() - this.options.aaeExchangeIntervalMs + RETRY_MS);
    }
    this.exchangesTotal.inc({ service, result: view.result });
    v.exchanges.set(exchangeId(e), view);
  }

  private remote(service: string, e: PlannedExchange, peerNode: NodeName): ExchangeRemote {
    if (peerNode === this.rings.self) {
      const tree = this.treeFor(service, e.peer, e.range);
      if (typeof tree === 'string') throw new Error(tree);
      return localRemote(tree);
    }
    const addr = memberOf(this.rings.current, peerNode)?.addr;
    if (!addr) throw new Error(`${peerNode} is not a member`);
    return remoteTrees(this.client, addr, { service, index: e.peer, range: e.range }, this.options.requestTimeoutMs);
  }
}

function snapshotName(service: string, index: PartitionIndex, range: PartitionIndex): string {
  return `${service}.${index}.${range}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
