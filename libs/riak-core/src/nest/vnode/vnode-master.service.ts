/**
 * The vnode master (riak_core_vnode_master): routes commands to the vnode of a (service,
 * partition) — on this node directly, on another node over the cluster transport — and starts
 * vnodes lazily, whether this node owns the partition or serves it as a fallback.
 *
 * - `command`: to several vnodes at once, one promise per vnode (a coordinator counts them);
 * - `syncCommand`: to one vnode, awaiting its reply within a timeout;
 * - `syncSpawnCommand`: the same; riak_core spawns a process so the master is not blocked, which
 *   an event loop never is, so here it only exists to keep the riak_core vocabulary.
 * Every call is bounded by a timeout, so callers never wait forever whatever a vnode does.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AnyServiceRef, CommandOf, NodeConfig, NodeName, PairsOf, PartitionIndex, ReplyFor, Sender, memberOf, ownershipOf, partitionId, serviceName } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient, ClusterRequestError } from '../transport';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { NODE_CONFIG, RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';
import { ServiceRegistry } from './service-registry';
import { VnodeWorker } from './vnode-worker';
import { VnodeError, isVnodeErrorCode } from './vnode-error';

/** A vnode's address: a partition on a node. */
export interface VnodeRef {
  readonly index: PartitionIndex;
  readonly node: NodeName;
}

export interface CommandOptions {
  /** default: the runtime's requestTimeoutMs */
  readonly timeoutMs?: number;
}

/** Receives a vnode's report that `key` changed (digest undefined: deleted). */
export type HashtreeListener = (service: string, index: PartitionIndex, key: string, digest: string | undefined) => void;

/** A request for a vnode of another node, as it travels on the transport. */
export interface RemoteVnodeRequest {
  readonly service: string;
  readonly index: PartitionIndex;
  readonly kind: 'command' | 'coverage';
  readonly command: unknown;
  readonly keySpaces?: readonly PartitionIndex[];
}

@Injectable()
export class VnodeMaster implements OnModuleDestroy {
  private readonly logger = new Logger(VnodeMaster.name);
  private readonly workers = new Map<string, VnodeWorker>();
  private readonly forwarding = new Map<string, NodeName>();
  private seq = 0;
  private hashtreeListener: HashtreeListener | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly registry: ServiceRegistry,
    private readonly liveness: LivenessService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop('shutdown')));
    this.workers.clear();
  }

  /**
   * `command` to the vnodes of `entries`, one promise each. With a service reference
   * (`defineService`), the command must be one the service takes and each promise has the reply
   * type of that command; by name (the runtime's own forwarding of any service's commands) the
   * command is not checked and `R` is the caller's word. Replies are not checked at run time.
   */
  command<S extends AnyServiceRef, const C extends CommandOf<PairsOf<S>>>(entries: readonly VnodeRef[], service: S, command: C, opts?: CommandOptions): Promise<ReplyFor<PairsOf<S>, C>>[];
  command<R = unknown>(entries: readonly VnodeRef[], service: string, command: unknown, opts?: CommandOptions): Promise<R>[];
  command(entries: readonly VnodeRef[], service: string | AnyServiceRef, command: unknown, opts: CommandOptions = {}): Promise<unknown>[] {
    return entries.map((e) => this.send(e, serviceName(service), { kind: 'command', command }, opts));
  }

  /** `command` to one vnode. */
  syncCommand<S extends AnyServiceRef, const C extends CommandOf<PairsOf<S>>>(entry: VnodeRef, service: S, command: C, opts?: CommandOptions): Promise<ReplyFor<PairsOf<S>, C>>;
  syncCommand<R = unknown>(entry: VnodeRef, service: string, command: unknown, opts?: CommandOptions): Promise<R>;
  syncCommand(entry: VnodeRef, service: string | AnyServiceRef, command: unknown, opts: CommandOptions = {}): Promise<unknown> {
    return this.send(entry, serviceName(service), { kind: 'command', command }, opts);
  }

  /** `syncCommand` under riak_core's other name (an event loop has no master to keep unblocked). */
  syncSpawnCommand<S extends AnyServiceRef, const C extends CommandOf<PairsOf<S>>>(entry: VnodeRef, service: S, command: C, opts?: CommandOptions): Promise<ReplyFor<PairsOf<S>, C>>;
  syncSpawnCommand<R = unknown>(entry: VnodeRef, service: string, command: unknown, opts?: CommandOptions): Promise<R>;
  syncSpawnCommand(entry: VnodeRef, service: string | AnyServiceRef, command: unknown, opts: CommandOptions = {}): Promise<unknown> {
    return this.send(entry, serviceName(service), { kind: 'command', command }, opts);
  }

  /** A coverage request to one vnode, for the keys of `keySpaces` only. */
  coverageCommand(entry: VnodeRef, service: string, request: unknown, keySpaces: readonly PartitionIndex[], opts: CommandOptions = {}): Promise<unknown> {
    return this.send(entry, service, { kind: 'coverage', command: request, keySpaces }, opts);
  }

  /**
   * After an ownership handoff: commands that still reach this node for (service, index) — from
   * coordinators whose ring has not moved yet — go to `node`, as long as this node does not own
   * the partition again (riak_core_vnode's forwarding state after handoff).
   */
  forwardTo(service: string, index: PartitionIndex, node: NodeName): void {
    this.forwarding.set(`${service}/${index}`, node);
  }

  /** Where a command for a local vnode should go instead, if it was handed off. */
  private forwarded(service: string, index: PartitionIndex): NodeName | undefined {
    const key = `${service}/${index}`;
    const to = this.forwarding.get(key);
    if (!to) return undefined;
    const owner = ownershipOf(this.rings.current).owners[index];
    if (owner === this.config.node) {
      this.forwarding.delete(key);
      return undefined;
    }
    // While the owner is down this node may be the partition's fallback: serve here.
    return this.liveness.isUp(owner) ? owner : undefined;
  }

  /** A request that arrived over the transport for a vnode of this node. */
  handleRemote(req: RemoteVnodeRequest, from: NodeName): Promise<unknown> {
    const to = this.forwarded(req.service, req.index);
    if (to && to !== this.config.node) {
      return this.send({ index: req.index, node: to }, req.service, { kind: req.kind, command: req.command, keySpaces: req.keySpaces }, {});
    }
    const sender: Sender = { ref: `${from}#${this.nextRef()}`, node: from };
    const worker = this.worker(req.service, req.index);
    return req.kind === 'coverage' ? worker.coverage(req.command, req.keySpaces ?? [req.index], sender) : worker.command(req.command, sender);
  }

  /** Where the vnodes' `updateHashtree` reports go (the anti-entropy manager; one listener). */
  onHashtreeUpdate(listener: HashtreeListener | undefined): void {
    this.hashtreeListener = listener;
  }

  /** The local vnode worker of (service, index), started lazily. Throws `no-service` for an unknown service. */
  worker(service: string, index: PartitionIndex): VnodeWorker {
    const key = `${service}/${index}`;
    let w = this.workers.get(key);
    if (!w) {
      const def = this.registry.get(service);
      if (!def) throw new VnodeError('no-service', `service '${service}' does not run on ${this.config.node}`);
      const ringSize = this.rings.current.ringSize;
      if (!Number.isInteger(index) || index < 0 || index >= ringSize) throw new VnodeError('no-service', `no partition ${index} on a ring of ${ringSize}`);
      // only a service in anti-entropy, with anti-entropy on, gets the report hook: a vnode skips computing digests without it
      const updateHashtree =
        def.antiEntropy && this.hashtreeListener ? (key: string, digest: string | undefined) => this.hashtreeListener?.(service, index, key, digest) : undefined;
      w = new VnodeWorker(def, { service, index, partition: partitionId(index, ringSize), ringSize, node: this.config.node, ...(updateHashtree ? { updateHashtree } : {}) }, this.logger);
      this.workers.set(key, w);
    }
    return w;
  }

  /** The vnodes running on this node. */
  running(): { service: string; index: PartitionIndex; worker: VnodeWorker }[] {
    return [...this.workers.entries()].map(([key, worker]) => {
      const [service] = key.split('/');
      return { service, index: worker.index, worker };
    });
  }

  /** Stop and forget a local vnode (after its data moved away). */
  async retire(service: string, index: PartitionIndex, reason: string): Promise<void> {
    const key = `${service}/${index}`;
    const w = this.workers.get(key);
    if (!w) return;
    this.workers.delete(key);
    await w.stop(reason);
  }

  private send(entry: VnodeRef, service: string, req: { kind: 'command' | 'coverage'; command: unknown; keySpaces?: readonly PartitionIndex[] }, opts: CommandOptions): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs;
    if (entry.node === this.config.node) {
      const to = this.forwarded(service, entry.index);
      if (to && to !== this.config.node) return this.send({ index: entry.index, node: to }, service, req, opts);
      const sender: Sender = { ref: `${this.config.node}#${this.nextRef()}`, node: this.config.node };
      let worker: VnodeWorker;
      try {
        worker = this.worker(service, entry.index);
      } catch (err) {
        return Promise.reject(err);
      }
      const work = req.kind === 'coverage' ? worker.coverage(req.command, req.keySpaces ?? [entry.index], sender) : worker.command(req.command, sender);
      return withTimeout(work, timeoutMs, () => {
        worker.forget(sender.ref);
        return new VnodeError('timeout', `vnode ${service}/${entry.index} did not answer within ${timeoutMs} ms`);
      });
    }
    const addr = memberOf(this.rings.current, entry.node)?.addr;
    if (!addr) return Promise.reject(new VnodeError('unreachable', `${entry.node} is not a member of the cluster`));
    const payload: RemoteVnodeRequest = { service, index: entry.index, kind: req.kind, command: req.command, keySpaces: req.keySpaces };
    return this.client.request(addr, Patterns.vnodeCommand, payload, { timeoutMs }).catch((err: unknown) => {
      throw toVnodeError(err, entry.node, service, entry.index, timeoutMs);
    });
  }

  private nextRef(): number {
    this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
    return this.seq;
  }
}

function toVnodeError(err: unknown, node: string, service: string, index: PartitionIndex, timeoutMs: number): Error {
  if (!(err instanceof ClusterRequestError)) return err instanceof Error ? err : new Error(String(err));
  if (err.code === 'remote') return isVnodeErrorCode(err.remoteCode) ? new VnodeError(err.remoteCode, err.message) : err;
  if (err.code === 'timeout') return new VnodeError('timeout', `vnode ${service}/${index} on ${node} did not answer within ${timeoutMs} ms`);
  if (err.code === 'overload') return new VnodeError('overload', `the link to ${node} is overloaded`);
  return new VnodeError('unreachable', `${node} is unreachable: ${err.message}`);
}

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
