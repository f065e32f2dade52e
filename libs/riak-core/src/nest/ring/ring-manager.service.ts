/**
 * The one owner of this node's ring (riak_core_ring_manager). Every change goes through
 * `transact(fn)`: `fn` gets the current ring and returns a tagged intent; only the manager adopts,
 * persists and announces the result. Transactions run synchronously, so they never interleave.
 */
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { ConfigError, NodeConfig, NodeName, Ring, adoptRing, clocksEqual, freshRing, memberOf, ringClock, ringsEqual, setMember } from '../../lib';
import { RingStore } from './ring-store';
import { NODE_CONFIG } from '../tokens';

export type RingIntent =
  /** a decision of this node: adopt it and gossip it */
  | { readonly kind: 'new-ring'; readonly ring: Ring }
  /** the merge of a ring received from a peer: adopt it, and gossip it if it holds news */
  | { readonly kind: 'reconciled'; readonly ring: Ring }
  /** adopt and persist, tell no one (e.g. starting over alone after removal) */
  | { readonly kind: 'set-only'; readonly ring: Ring }
  | { readonly kind: 'ignore' };

export interface RingChange {
  readonly ring: Ring;
  readonly previous: Ring;
  /**
   * Who should hear of it: `spread` — a decision, gossip it to random peers now; `claimant` — only
   * who has seen what changed, tell the claimant (it waits on that to decide); `none` — nobody.
   */
  readonly gossip: 'spread' | 'claimant' | 'none';
}

@Injectable()
export class RingManager implements OnModuleInit {
  private readonly logger = new Logger(RingManager.name);
  private ring!: Ring;
  /** every adopted ring */
  readonly changes$ = new Subject<RingChange>();
  /** this node was told it exits the cluster (its leave completed) */
  readonly exiting$ = new Subject<void>();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly store: RingStore,
  ) {}

  onModuleInit(): void {
    const stored = this.store.load();
    if (stored && stored.ringSize !== this.config.ringSize) {
      throw new ConfigError('RING_SIZE', `is ${this.config.ringSize} but the ring in ${this.config.dataDir} has ${stored.ringSize} partitions`);
    }
    if (stored && stored.app !== this.config.app) {
      throw new ConfigError('DATA_DIR', `${this.config.dataDir} holds the ring of a '${stored.app}' node, not '${this.config.app}'`);
    }
    this.ring = stored ? this.selfAddressed(stored) : this.fresh();
    this.ring = adoptRing(this.ring, this.config.node);
    void this.store.save(this.ring);
  }

  get current(): Ring {
    return this.ring;
  }

  get self(): NodeName {
    return this.config.node;
  }

  /** Apply a ring transaction; true when the ring changed. */
  transact(fn: (ring: Ring) => RingIntent): boolean {
    const intent = fn(this.ring);
    if (intent.kind === 'ignore') return false;
    const previous = this.ring;
    let next = adoptRing(intent.ring, this.config.node);
    if (previous.clusterId === next.clusterId && ringsEqual(previous, next)) return false;
    const me = memberOf(next, this.config.node);
    if (me?.status === 'removed' && next.clusterId === previous.clusterId) {
      this.logger.warn(`${this.config.node} was removed from the cluster; starting over as a cluster of one`);
      next = this.fresh();
      this.commit(next, previous, 'none');
      return true;
    }
    const self = this.config.node;
    const decided = !clocksEqual(ringClock(previous), ringClock(next)) || previous.clusterId !== next.clusterId;
    const adopted = !clocksEqual(previous.seen[self] ?? {}, next.seen[self] ?? {});
    this.commit(next, previous, intent.kind === 'set-only' ? 'none' : decided ? 'spread' : adopted ? 'claimant' : 'none');
    if (me?.status === 'exiting' && memberOf(previous, this.config.node)?.status !== 'exiting') this.exiting$.next();
    return true;
  }

  /** Start over alone (after this node's leave completed), persisted before it resolves. */
  async resetAlone(): Promise<void> {
    const previous = this.ring;
    this.commit(this.fresh(), previous, 'none');
    await this.store.flush();
  }

  /**
   * The current ring, once it is on disk: the only ring that may leave this node. A ring gossiped
   * before it was saved could be lost in a crash, and the node would then make a different
   * decision under the same version its peers already hold. Rejects while it cannot be written.
   */
  async durable(): Promise<Ring> {
    const ring = this.ring;
    await this.store.flush();
    return ring;
  }

  /** Resolves once every adopted ring is on disk; rejects while the newest one cannot be written. */
  async flush(): Promise<void> {
    await this.store.flush();
  }

  /** false while the newest ring could not be written to disk (the node is then not ready) */
  get persisted(): boolean {
    return this.store.persisted;
  }

  private commit(next: Ring, previous: Ring, gossip: RingChange['gossip']): void {
    this.ring = next;
    void this.store.save(next);
    this.changes$.next({ ring: next, previous, gossip });
  }

  private fresh(): Ring {
    return freshRing({
      app: this.config.app,
      clusterId: `${this.config.node}/${randomUUID()}`,
      ringSize: this.config.ringSize,
      node: this.config.node,
      addr: this.config.clusterAddr,
    });
  }

  /** A restarted node may listen on another address: keep its record in the ring current. */
  private selfAddressed(ring: Ring): Ring {
    const me = memberOf(ring, this.config.node);
    if (!me) return this.fresh();
    if (me.addr === this.config.clusterAddr) return ring;
    this.logger.log(`cluster address changed from ${me.addr} to ${this.config.clusterAddr}`);
    return setMember(ring, this.config.node, this.config.node, { ...me, addr: this.config.clusterAddr });
  }
}
