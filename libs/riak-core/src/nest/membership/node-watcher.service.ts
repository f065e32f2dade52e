/**
 * The node watcher (riak_core_node_watcher): which nodes are up for which service. A node is up
 * for a service when the liveness detector reaches it and its latest probe reply lists the
 * service; this node's own services come from the service registry. Every change is published on
 * `changes$` (preference lists, hinted handoff and the chat app subscribe).
 */
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subject, Subscription } from 'rxjs';
import { NodeName, Ring, clusterNodes } from '../../lib';
import { LivenessService } from './liveness.service';
import { RingManager } from '../ring/ring-manager.service';
import { ServiceRegistry } from '../vnode/service-registry';

export interface ServiceChange {
  readonly node: NodeName;
  readonly service: string;
  readonly up: boolean;
}

@Injectable()
export class NodeWatcher implements OnModuleInit, OnModuleDestroy {
  private readonly announced = new Map<NodeName, ReadonlySet<string>>();
  private readonly subs: Subscription[] = [];
  readonly changes$ = new Subject<ServiceChange>();
  /**
   * `upNodes` per service, for one ring: every request's preference list asks for it. Dropped when
   * the ring, a peer's liveness or anyone's announced services change (kept only once subscribed).
   */
  private upCache: { readonly ring: Ring; readonly byService: Map<string, ReadonlySet<NodeName>> } | undefined;
  private watching = false;

  constructor(
    private readonly liveness: LivenessService,
    private readonly rings: RingManager,
    private readonly registry: ServiceRegistry,
  ) {}

  onModuleInit(): void {
    this.subs.push(
      this.liveness.replies$.subscribe((r) => this.announce(r.node, new Set(r.services))),
      this.liveness.changes$.subscribe((c) => {
        this.upCache = undefined;
        for (const service of this.announced.get(c.node) ?? []) this.changes$.next({ node: c.node, service, up: c.up });
      }),
      this.registry.up$.subscribe((services) => this.announce(this.rings.self, new Set(services))),
    );
    this.watching = true;
  }

  onModuleDestroy(): void {
    // no more invalidations from here on: stop answering from the cache
    this.watching = false;
    this.upCache = undefined;
    for (const s of this.subs) s.unsubscribe();
  }

  /** Is `node` up for `service`? A peer not probed yet counts as up for the services it last announced. */
  isUp(node: NodeName, service: string): boolean {
    if (node !== this.rings.self && !this.liveness.isUp(node)) return false;
    const services = this.announced.get(node);
    // Before the first probe answer a member is assumed to run what this node runs (same app).
    if (!services) return node !== this.rings.self && this.registry.upServices().includes(service);
    return services.has(service);
  }

  /** Members of the ring up for `service`. */
  upNodes(service: string): ReadonlySet<NodeName> {
    const ring = this.rings.current;
    if (!this.watching) return this.computeUpNodes(ring, service);
    if (this.upCache?.ring !== ring) this.upCache = { ring, byService: new Map() };
    let up = this.upCache.byService.get(service);
    if (!up) {
      up = this.computeUpNodes(ring, service);
      this.upCache.byService.set(service, up);
    }
    return up;
  }

  private computeUpNodes(ring: Ring, service: string): ReadonlySet<NodeName> {
    return new Set(clusterNodes(ring).filter((n) => this.isUp(n, service)));
  }

  /** Services announced per node (for `ringnest services`). */
  services(): { node: NodeName; up: boolean; services: string[] }[] {
    return clusterNodes(this.rings.current).map((node) => ({
      node,
      up: node === this.rings.self || this.liveness.isUp(node),
      services: [...(this.announced.get(node) ?? [])].sort(),
    }));
  }

  private announce(node: NodeName, services: ReadonlySet<string>): void {
    const before = this.announced.get(node) ?? new Set<string>();
    this.announced.set(node, services);
    this.upCache = undefined;
    const alive = node === this.rings.self || this.liveness.isUp(node);
    for (const s of services) if (!before.has(s)) this.changes$.next({ node, service: s, up: alive });
    for (const s of before) if (!services.has(s)) this.changes$.next({ node, service: s, up: false });
  }
}
