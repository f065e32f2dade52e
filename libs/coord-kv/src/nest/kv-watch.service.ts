/**
 * Watches on keys (docs/reference/http-api.md `/ws/kv` `watch`): every new value of a watched key, written through any
 * node, reaches the watchers on this node. A node that gets its first watcher tells every member
 * (and waits, bounded, for their answers, so a write made right after `watch` is not missed) and
 * announces the `kv-watch` service (which covers members that join or restart later). The node
 * that coordinated a write tells itself and every interested node (one small message each), and
 * each node delivers to its local watchers.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLUSTER_CLIENT, ClusterClient, NodeName, NodeWatcher, RingManager, ServiceRegistry, clusterNodes, memberOf } from '@ringnest/riak-core';
import { KvWatchSession, MAX_WATCHES_PER_CLIENT } from './kv-watch-session';
import { JsonText, toJsonText, valueOf } from '../lib/json-text';

export const KV_WATCH_SERVICE = 'kv-watch';
export const KV_CHANGED_PATTERN = 'kv.changed';
export const KV_INTEREST_PATTERN = 'kv.interest';

/** A new version of a key: its value (absent when deleted) and its context. */
export interface KvChange {
  readonly key: string;
  readonly value?: unknown;
  readonly deleted: boolean;
  readonly context: string;
}

export type KvWatcher = (change: KvChange) => void;

/**
 * A change as `kv.changed` carries it between nodes: the value as the bytes of its JSON
 * (json-text.ts), which cost the receiving node's transport nothing to decode, whatever the value's
 * shape; the receiver parses it only when it has watchers of the key.
 */
export interface KvChangeMessage {
  readonly key: string;
  readonly text?: JsonText;
  readonly deleted: boolean;
  readonly context: string;
}

export function isKvChangeMessage(x: unknown): x is KvChangeMessage {
  if (!x || typeof x !== 'object') return false;
  const c = x as Record<string, unknown>;
  return typeof c['key'] === 'string' && typeof c['context'] === 'string' && typeof c['deleted'] === 'boolean' && (c['text'] === undefined || c['text'] instanceof Uint8Array);
}

@Injectable()
export class KvWatchService {
  private readonly logger = new Logger(KvWatchService.name);
  private readonly watchers = new Map<string, Set<KvWatcher>>();
  /** nodes that told this node they have watchers */
  private readonly interested = new Set<NodeName>();
  /** telling the members this node has watchers; every watch waits for it */
  private announced: Promise<void> | undefined;

  constructor(
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly registry: ServiceRegistry,
    private readonly nodes: NodeWatcher,
  ) {}

  /**
   * Watch `key`; resolves, once every reachable member knows, with the function that stops
   * watching. The watch is live from the call on: a caller that goes away before this resolves
   * must still call the function it resolves with (KvWatchSession does).
   */
  async watch(key: string, watcher: KvWatcher): Promise<() => void> {
    if (this.watchers.size === 0) {
      this.registry.announce(KV_WATCH_SERVICE, true);
      this.announced = this.tellMembers(true);
    }
    let set = this.watchers.get(key);
    if (!set) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(watcher);
    await this.announced;
    return () => {
      const s = this.watchers.get(key);
      if (!s?.delete(watcher)) return;
      if (s.size === 0) this.watchers.delete(key);
      if (this.watchers.size === 0) {
        this.announced = undefined;
        this.registry.announce(KV_WATCH_SERVICE, false);
        void this.tellMembers(false);
      }
    };
  }

  /** Watched keys on this node (each with one watcher or more). */
  get watchedKeys(): number {
    return this.watchers.size;
  }

  /** The watches of one client, at most `limit` keys, all delivered to `watcher` (see KvWatchSession). */
  session(watcher: KvWatcher, limit = MAX_WATCHES_PER_CLIENT): KvWatchSession {
    return new KvWatchSession((key) => this.watch(key, watcher), limit);
  }

  /** Another node has (or no longer has) watchers. */
  interest(node: NodeName, on: boolean): void {
    if (on) this.interested.add(node);
    else this.interested.delete(node);
  }

  private async tellMembers(on: boolean): Promise<void> {
    const ring = this.rings.current;
    await Promise.allSettled(
      clusterNodes(ring)
        .filter((n) => n !== this.rings.self)
        .map((n) => {
          const addr = memberOf(ring, n)?.addr;
          return addr ? this.client.request(addr, KV_INTEREST_PATTERN, { node: this.rings.self, on }, { timeoutMs: 2000 }) : Promise.resolve();
        }),
    );
  }

  /** A write coordinated here (`text`: its value's JSON text): tell local watchers and every node that has watchers. */
  publish(change: KvChange, text?: JsonText): void {
    this.deliver(change);
    const message: KvChangeMessage = { key: change.key, deleted: change.deleted, context: change.context, ...(change.deleted ? {} : { text: text ?? toJsonText(change.value) }) };
    const ring = this.rings.current;
    for (const node of new Set([...this.interested, ...this.nodes.upNodes(KV_WATCH_SERVICE)])) {
      if (node === this.rings.self) continue;
      const addr = memberOf(ring, node)?.addr;
      if (!addr) continue;
      this.client.request(addr, KV_CHANGED_PATTERN, message, { timeoutMs: 5000 }).catch((err: unknown) => {
        this.logger.debug(`telling ${node} about a change of ${change.key} failed: ${(err as Error).message}`);
      });
    }
  }

  /** A change another node announced; its value is parsed only for watchers of its key. Throws on a value that is not JSON. */
  received(m: KvChangeMessage): void {
    if (!this.watchers.has(m.key)) return;
    this.deliver({ key: m.key, deleted: m.deleted, context: m.context, ...(m.text === undefined ? {} : { value: valueOf(m.text) }) });
  }

  /** A change announced by another node (or this one). */
  deliver(change: KvChange): void {
    for (const w of this.watchers.get(change.key) ?? []) {
      try {
        w(change);
      } catch (err) {
        this.logger.warn(`a watcher of ${change.key} failed: ${(err as Error).message}`);
      }
    }
  }
}
