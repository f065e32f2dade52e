/**
 * The services this node runs (riak_core:register / riak_core_node_watcher:service_up for the
 * local node): each has a name and a way to make a vnode for a partition. The node watcher
 * announces them to other nodes; the vnode master starts their vnodes.
 */
import { Injectable } from '@nestjs/common';
import { BehaviorSubject } from 'rxjs';
import { AntiEntropyHooks, PartitionIndex, Vnode } from '../../lib';

export interface VnodeServiceDefinition {
  readonly name: string;
  /** a fresh vnode for a partition (called on start and on every restart) */
  readonly create: () => Vnode | Promise<Vnode>;
  /** commands waiting per vnode before new ones are refused with `overload` (default 1000) */
  readonly queueLimit?: number;
  /** partitions this node holds data for, running or not (e.g. fallback data kept across a restart) */
  readonly storedPartitions?: () => Promise<readonly PartitionIndex[]>;
  /** active anti-entropy: the service's hooks, when it opts in (its vnodes implement `foldDigests`) */
  readonly antiEntropy?: () => AntiEntropyHooks;
}

@Injectable()
export class ServiceRegistry {
  private readonly services = new Map<string, VnodeServiceDefinition>();
  private readonly down = new Set<string>();
  private readonly announced = new Set<string>();
  /** names of the services up on this node */
  readonly up$ = new BehaviorSubject<readonly string[]>([]);

  register(def: VnodeServiceDefinition): void {
    if (this.services.has(def.name)) throw new Error(`service '${def.name}' is already registered`);
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(def.name)) throw new Error(`service name '${def.name}' must match [a-z][a-z0-9_-]{0,31}`);
    this.services.set(def.name, def);
    this.publish();
  }

  get(name: string): VnodeServiceDefinition | undefined {
    return this.services.get(name);
  }

  all(): VnodeServiceDefinition[] {
    return [...this.services.values()];
  }

  /** Announce a registered service down (e.g. while it cannot serve) or up again. */
  setUp(name: string, up: boolean): void {
    if (!this.services.has(name)) throw new Error(`no service '${name}'`);
    if (up) this.down.delete(name);
    else this.down.add(name);
    this.publish();
  }

  upServices(): readonly string[] {
    return this.up$.value;
  }

  /**
   * Announce (or withdraw) a service that runs no vnodes, so other nodes' node watchers see it
   * (riak_core_node_watcher:service_up for a plain process), e.g. "this node has KV watchers".
   */
  announce(name: string, up: boolean): void {
    if (this.services.has(name)) throw new Error(`service '${name}' runs vnodes: use setUp`);
    if (up) this.announced.add(name);
    else this.announced.delete(name);
    this.publish();
  }

  private publish(): void {
    this.up$.next([...[...this.services.keys()].filter((n) => !this.down.has(n)), ...this.announced].sort());
  }
}
