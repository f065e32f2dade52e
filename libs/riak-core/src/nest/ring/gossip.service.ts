/**
 * Ring gossip (riak_core_gossip): push-pull exchange of whole rings. A node that makes or adopts a
 * decision sends its ring at once to its `gossipFanout` children in the cyclic tree of the members
 * (lib/gossip-tree.ts, riak_core's recursive gossip; a child that is down is replaced by its own
 * children), so news reaches every member in about log_fanout(n) + 1 hops with one ring sent per
 * node and child. Every `gossipIntervalMs` it also offers its ring's digest (`ring.digest`) to one
 * random peer, which repairs lost messages and subtrees a down node cut off; only a peer whose ring
 * differs gets the whole ring (`ring.gossip`), and it answers with its own if ours lacks something.
 * Bursts are rate-limited.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { NodeConfig, NodeName, Ring, VClock, clusterNodes, descends, gossipChildren, isVClock, memberOf, mergeClocks, ownershipOf, reconcile, ringBytes, ringCovers, ringDigest, ringFromPayload } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient } from '../transport';
import { RingManager } from './ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { NODE_CONFIG, RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';

export interface GossipReply {
  /** our ring when the sender's was behind or diverged ({@link ringBytes}) */
  readonly ring?: Uint8Array;
  /** what we have seen, when that is all the sender's ring lacks (we adopted what it sent) */
  readonly seen?: VClock;
}

/** The answer to a digest: whether the receiver's ring is in the same state. */
export interface DigestReply {
  readonly same: boolean;
}

@Injectable()
export class GossipService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(GossipService.name);
  private timer: NodeJS.Timeout | undefined;
  private burst: NodeJS.Timeout | undefined;
  private lastBurst = 0;
  private sub: Subscription | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
  ) {}

  onModuleInit(): void {
    this.sub = this.rings.changes$.subscribe((c) => {
      if (c.gossip === 'spread') this.scheduleBurst();
      else if (c.gossip === 'claimant') this.tellClaimant();
    });
    const jitter = Math.floor(this.options.gossipIntervalMs * 0.2);
    this.timer = setInterval(() => this.offerTo(this.randomPeers(1)), this.options.gossipIntervalMs + Math.floor(Math.random() * jitter));
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    if (this.burst) clearTimeout(this.burst);
  }

  /** A ring received from a peer: merge it; answer with ours (once on disk) if the peer lacks something. */
  async receive(theirs: Ring): Promise<GossipReply> {
    const ours = this.rings.current;
    if (theirs.clusterId !== ours.clusterId) return {};
    this.merge(theirs);
    const now = await this.rings.durable();
    if (ringCovers(theirs, now)) return {};
    const self = this.config.node;
    // Usually the sender lacks only our adoption of its ring: a clock, not the ring.
    return ringCovers(theirs, now, self) && now.seen[self] ? { seen: now.seen[self] } : { ring: ringBytes(now) };
  }

  /** A peer's digest: is our ring in the same state? (`{}` for another cluster: nothing to exchange) */
  receiveDigest(clusterId: string, digest: string): DigestReply | Record<string, never> {
    if (clusterId !== this.rings.current.clusterId) return {};
    return { same: digest === ringDigest(this.rings.current) };
  }

  /** Push the ring to every peer now and wait (bounded) for their answers. */
  async pushToAll(timeoutMs = 2000): Promise<void> {
    await Promise.allSettled(this.peers().map((n) => this.exchange(n, timeoutMs)));
  }

  /** Push the ring to one node's address (used right after joining). */
  async pushTo(addr: string, timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    const reply = await this.client.request<GossipReply>(addr, Patterns.gossip, { ring: ringBytes(await this.rings.durable()) }, { timeoutMs });
    this.mergeReply(reply);
  }

  private scheduleBurst(): void {
    if (this.burst) return;
    const wait = Math.max(0, this.lastBurst + this.options.gossipMinIntervalMs - Date.now());
    this.burst = setTimeout(() => {
      this.burst = undefined;
      this.lastBurst = Date.now();
      // a child rarely has the news yet (it hears it from this node): the ring, no digest first
      for (const node of this.burstPeers()) void this.exchange(node, this.options.requestTimeoutMs);
    }, wait);
    this.burst.unref();
  }

  /**
   * The claimant decides once every member has seen the ring: tell it which ring clock this node
   * has adopted (a small message; the whole ring travels by gossip).
   */
  private tellClaimant(): void {
    const ring = this.rings.current;
    const claimant = ownershipOf(ring).claimant;
    const addr = memberOf(ring, claimant)?.addr;
    const seen = ring.seen[this.config.node];
    if (claimant === this.config.node || !addr || !seen) return;
    this.client
      .request(addr, Patterns.seen, { clusterId: ring.clusterId, node: this.config.node, seen }, { timeoutMs: this.options.requestTimeoutMs })
      .catch((err: unknown) => this.logger.debug(`telling ${claimant} what this node has seen failed: ${(err as Error).message}`));
  }

  /** A peer reports the ring clock it has adopted. */
  receiveSeen(clusterId: string, node: NodeName, seen: VClock): void {
    this.rings.transact((ring) => {
      if (ring.clusterId !== clusterId || (ring.seen[node] && descends(ring.seen[node], seen))) return { kind: 'ignore' };
      return { kind: 'reconciled', ring: { ...ring, seen: { ...ring.seen, [node]: mergeClocks(ring.seen[node] ?? {}, seen) } } };
    });
  }

  /** Offer our ring to these peers: its digest first, the whole ring only to a peer that differs. */
  private offerTo(nodes: NodeName[]): void {
    for (const node of nodes) void this.offer(node);
  }

  private async offer(node: NodeName): Promise<void> {
    const addr = memberOf(this.rings.current, node)?.addr;
    if (!addr) return;
    try {
      const ours = await this.rings.durable();
      const reply = await this.client.request<Partial<DigestReply>>(addr, Patterns.digest, { clusterId: ours.clusterId, digest: ringDigest(ours) }, { timeoutMs: this.options.requestTimeoutMs });
      this.liveness.heardFrom(node);
      if (reply?.same === false) await this.exchange(node, this.options.requestTimeoutMs);
    } catch (err) {
      this.logger.debug(`gossip digest to ${node} failed: ${(err as Error).message}`);
    }
  }

  private async exchange(node: NodeName, timeoutMs: number): Promise<void> {
    const addr = memberOf(this.rings.current, node)?.addr;
    if (!addr) return;
    try {
      const ours = await this.rings.durable();
      const reply = await this.client.request<GossipReply>(addr, Patterns.gossip, { ring: ringBytes(ours) }, { timeoutMs });
      this.liveness.heardFrom(node);
      if (reply?.ring !== undefined) this.mergeReply(reply);
      // the peer's clock is of the cluster whose ring it was sent (this node may have left it since)
      else if (isVClock(reply?.seen)) this.receiveSeen(ours.clusterId, node, reply.seen);
    } catch (err) {
      this.logger.debug(`gossip to ${node} failed: ${(err as Error).message}`);
    }
  }

  /** The ring a peer answered with, if it is one (a malformed answer is dropped). */
  private mergeReply(reply: GossipReply | undefined): void {
    const theirs = reply?.ring === undefined ? undefined : ringFromPayload(reply.ring);
    if (theirs) this.merge(theirs);
    else if (reply?.ring !== undefined) this.logger.debug('dropped a gossip reply whose ring is malformed');
  }

  private merge(theirs: Ring): void {
    if (theirs.clusterId !== this.rings.current.clusterId) return;
    this.rings.transact((ring) => (ringCovers(ring, theirs) ? { kind: 'ignore' } : { kind: 'reconciled', ring: reconcile(ring, theirs) }));
  }

  private peers(): NodeName[] {
    return clusterNodes(this.rings.current).filter((n) => n !== this.config.node);
  }

  /** A decision's burst: this node's children in the gossip tree, a child that is down replaced by its own children. */
  private burstPeers(): NodeName[] {
    const members = clusterNodes(this.rings.current);
    const self = this.config.node;
    const out: NodeName[] = [];
    for (const child of gossipChildren(members, self, this.options.gossipFanout)) {
      const reachable = this.liveness.isUp(child) ? [child] : gossipChildren(members, child, this.options.gossipFanout);
      for (const node of reachable) if (node !== self && !out.includes(node)) out.push(node);
    }
    return out;
  }

  /** Random peers, preferring reachable ones. */
  private randomPeers(count: number): NodeName[] {
    const all = this.peers();
    const up = all.filter((n) => this.liveness.isUp(n));
    const pool = up.length > 0 ? up : all;
    const picked: NodeName[] = [];
    const copy = [...pool];
    while (picked.length < count && copy.length > 0) {
      picked.push(copy.splice(Math.floor(Math.random() * copy.length), 1)[0]);
    }
    return picked;
  }
}
