/**
 * The liveness detector: probes every other member of the ring and keeps this node's view of who
 * is reachable. A refused connection is evidence, not a verdict: REFUSALS_FOR_DOWN refused probes
 * in a row (a probe interval apart) mark a peer down, so one transient error does not send its
 * partitions to fallbacks and back by hinted handoff; silence marks it down after `downAfterMs`;
 * a request from the peer marks it up and ends the backoff of this node's link to it. A peer starts as up (optimistic, like a fresh Erlang distribution link) until a probe says
 * otherwise. Silence is timed in the time this node itself was running: a probe round that comes
 * late (a blocked event loop, a starved or stopped process) does not count its delay against
 * peers. Changes are published on `changes$` for the node watcher.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import { NodeConfig, NodeName, clusterNodes, isNodeName, memberOf } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient, ClusterRequestError } from '../transport';
import { RingManager } from '../ring/ring-manager.service';
import { RUNTIME_OPTIONS, NODE_CONFIG } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';

export interface LivenessChange {
  readonly node: NodeName;
  readonly up: boolean;
}

/** A peer's answer to a probe: it is alive, and runs these services. */
export interface ProbeReply {
  readonly node: NodeName;
  readonly services: readonly string[];
}

interface PeerState {
  up: boolean;
  lastOk: number;
  probing: boolean;
  /** refused probes since the last answer */
  refused: number;
}

/** Consecutive refused probes that mark a peer down (before its silence would). */
export const REFUSALS_FOR_DOWN = 2;

@Injectable()
export class LivenessService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LivenessService.name);
  private readonly peers = new Map<NodeName, PeerState>();
  private timer: NodeJS.Timeout | undefined;
  /** when the previous probe round ran */
  private lastRound: number | undefined;
  private downs = 0;
  readonly changes$ = new Subject<LivenessChange>();
  readonly replies$ = new Subject<ProbeReply>();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.probeAll(), this.options.pingIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  isUp(node: NodeName): boolean {
    if (node === this.config.node) return true;
    return this.peers.get(node)?.up ?? true;
  }

  /** Nodes of the ring this node sees as reachable, itself included. */
  upNodes(): Set<NodeName> {
    return new Set(clusterNodes(this.rings.current).filter((n) => this.isUp(n)));
  }

  /** How many times this node has marked a peer down since it started (with no fault, each is a false suspicion). */
  get downTransitions(): number {
    return this.downs;
  }

  /** Members of the ring this node cannot reach. */
  unreachable(): NodeName[] {
    return clusterNodes(this.rings.current).filter((n) => !this.isUp(n));
  }

  /**
   * Evidence from elsewhere (the peer's own request to this node) that a peer is alive. The link to
   * it is told first: after a restart the peer is usually heard from while that link still backs
   * off from the outage, and would otherwise refuse every request to it — this node's probes
   * included, which would mark the peer down again — until its backoff timer fires.
   */
  heardFrom(node: string): void {
    // `node` is the name the peer proved in its handshake (empty before one): nothing to note otherwise.
    if (!isNodeName(node) || node === this.config.node) return;
    const s = this.state(node);
    s.lastOk = Date.now();
    s.refused = 0;
    const addr = memberOf(this.rings.current, node)?.addr;
    if (addr) this.client.peerAlive(addr);
    this.set(node, s, true);
  }

  private state(node: NodeName): PeerState {
    let s = this.peers.get(node);
    if (!s) {
      s = { up: true, lastOk: Date.now(), probing: false, refused: 0 };
      this.peers.set(node, s);
    }
    return s;
  }

  private probeAll(): void {
    this.discountOwnPause();
    const ring = this.rings.current;
    const members = new Set(clusterNodes(ring));
    for (const node of [...this.peers.keys()]) if (!members.has(node)) this.peers.delete(node);
    for (const node of members) {
      if (node === this.config.node) continue;
      const addr = memberOf(ring, node)?.addr;
      if (addr) this.probe(node, addr);
    }
  }

  /**
   * Silence is evidence only while this node was running. A round that comes late (this node's
   * event loop was blocked, or the process starved of CPU or stopped) could not hear the answers
   * that arrived meanwhile, so the time it was late is not counted against any peer.
   */
  private discountOwnPause(): void {
    const now = Date.now();
    const late = this.lastRound === undefined ? 0 : now - this.lastRound - this.options.pingIntervalMs;
    this.lastRound = now;
    if (late <= 0) return;
    for (const s of this.peers.values()) s.lastOk = Math.min(now, s.lastOk + late);
  }

  private probe(node: NodeName, addr: string): void {
    const s = this.state(node);
    if (s.probing) {
      this.expire(node, s);
      return;
    }
    s.probing = true;
    this.client
      .request<{ services?: unknown }>(addr, Patterns.ping, { from: this.config.node }, { timeoutMs: this.options.downAfterMs })
      .then((reply) => {
        s.lastOk = Date.now();
        s.refused = 0;
        this.set(node, s, true);
        const services = Array.isArray(reply?.services) ? reply.services.filter((x): x is string => typeof x === 'string') : [];
        this.replies$.next({ node, services });
      })
      .catch((err: unknown) => {
        if (err instanceof ClusterRequestError && (err.code === 'unreachable' || err.code === 'auth') && ++s.refused >= REFUSALS_FOR_DOWN) this.set(node, s, false);
        else this.expire(node, s);
      })
      .finally(() => {
        s.probing = false;
      });
  }

  private expire(node: NodeName, s: PeerState): void {
    if (Date.now() - s.lastOk > this.options.downAfterMs) this.set(node, s, false);
  }

  private set(node: NodeName, s: PeerState, up: boolean): void {
    if (s.up === up) return;
    s.up = up;
    if (!up) this.downs++;
    this.logger.log(`${node} is ${up ? 'up' : 'down'}`);
    this.changes$.next({ node, up });
  }
}
