/**
 * The handoff manager (riak_core_handoff_manager): moves vnode data between nodes.
 *
 * - Ownership handoff: it is the transfer service's HandoffRunner. For a pending transfer of
 *   partition i from this node, every service's vnode i is handed off to the new owner; the
 *   transfer service then marks the transfer complete and the claimant moves ownership. Once the
 *   ring says the new owner owns i, the old vnode is told `handoffFinished`, `delete`s its data and
 *   is retired: data leaves a node only after the ring has moved it. If the ring drops the
 *   transfer instead (a new plan), the old vnode keeps its data and stops forwarding to the target.
 * - Hinted handoff: a vnode this node runs (or holds data for) for a partition it does not own was
 *   a fallback; when the owner is up for the service again (node watcher event, or the periodic
 *   check) its data is handed back, then deleted here.
 * - Repair: a partition's vnode is rebuilt from the neighbours that hold replicas of its keys.
 * At most `transferConcurrency` handoffs run at once on this node. See docs/handoff.md.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { HandoffTarget, NodeConfig, NodeName, PartitionIndex, Sender, Transfer, TransferView, memberOf, mergeTransfers, ownershipOf, partitionId, waitingTransfers, wrapIndex } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient } from '../transport';
import { RingManager } from '../ring/ring-manager.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { NODE_CONFIG, RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';
import { HandoffRunner } from './handoff-runner';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { DEFAULT_HANDOFF_LIMITS, HandoffLink, HandoffProgress, HandoffSender } from './handoff-sender';

/** A batch of handed-off items as it travels to the receiving node. */
export interface HandoffBatch {
  readonly service: string;
  /** the receiving vnode's partition */
  readonly index: PartitionIndex;
  readonly type: HandoffTarget['type'];
  readonly items: Uint8Array[];
}

/** An ownership handoff whose data reached the target: its senders keep copying writes until retired. */
interface HandedOff {
  readonly transfer: Transfer;
  readonly addr: string;
  readonly senders: Map<string, HandoffSender>;
}

/** How often a handoff whose late copies failed is run again before the source gives up deleting. */
const RESEND_ATTEMPTS = 3;

/** Kept here for existing importers; the type lives in the pure core (lib/transfers.ts). */
export type { TransferView } from '../../lib';

@Injectable()
export class HandoffManager implements HandoffRunner, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HandoffManager.name);
  private readonly active = new Map<string, HandoffSender>();
  /** ownership handoffs done, waiting for the ring to move the partition before deleting */
  private readonly handedOff = new Map<PartitionIndex, HandedOff>();
  private readonly retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subs: Subscription[] = [];
  private checking = false;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly registry: ServiceRegistry,
    private readonly master: VnodeMaster,
    private readonly watcher: NodeWatcher,
  ) {}

  onModuleInit(): void {
    this.subs.push(
      this.rings.changes$.subscribe(() => void this.finishMoved()),
      this.watcher.changes$.subscribe((c) => {
        if (c.up) void this.hintedCheck();
      }),
    );
    this.timer = setInterval(() => void this.hintedCheck(), this.options.hintedHandoffIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
  }

  /** HandoffRunner: hand partition `t.index` of every service to the new owner. */
  async run(t: Transfer, targetAddr: string): Promise<void> {
    const services = this.registry.all();
    if (services.length === 0) {
      // No vnodes on this node: the new owner only acknowledges the partition.
      await this.client.request(targetAddr, Patterns.handoffOwnership, { index: t.index, from: t.from, to: t.to }, { timeoutMs: this.options.requestTimeoutMs });
    }
    const senders = new Map<string, HandoffSender>();
    for (const def of services) {
      senders.set(def.name, await this.handoff(def.name, t.index, { type: 'ownership', index: t.index, node: t.to }, targetAddr));
    }
    this.handedOff.set(t.index, { transfer: t, addr: targetAddr, senders });
    // The ring may have dropped the transfer while it ran; no ring change may follow to say so.
    await this.finishMoved();
  }

  /**
   * HandoffRunner: whether partition `index` has nothing here to hand off: every service's vnode of
   * it either cannot hand anything off (no `fold`, like a vnode that keeps no data) or says it is
   * empty. A vnode that folds but cannot tell (no `isEmpty`), or fails to answer, counts as holding data.
   */
  async movesNothing(index: PartitionIndex): Promise<boolean> {
    for (const def of this.registry.all()) {
      const worker = this.master.worker(def.name, index);
      const empty = await worker.call((v) => (!v.fold ? true : v.isEmpty ? v.isEmpty() : false)).catch(() => false);
      if (!empty) return false;
    }
    return true;
  }

  /**
   * Apply a batch received from a sending node to the local vnode. A batch the vnode refuses fails
   * this request (the sender retries its handoff) and leaves the vnode running: bad data from a peer
   * is not a fault of the vnode. So does a batch for a vnode that is itself handing off.
   */
  async receive(batch: HandoffBatch): Promise<{ applied: number }> {
    const worker = this.master.worker(batch.service, batch.index);
    // A vnode handing its partition off copies the writes it takes to the target, but items applied
    // here would not be copied: the sender tries again once this handoff is over.
    const busy = worker.inHandoff;
    if (busy && batch.items.length > 0) throw new Error(`${batch.service}/${batch.index} is handing off to ${busy.target.node}; send again later`);
    const refusal = await worker.call(async (v): Promise<string | undefined> => {
      if (batch.items.length === 0) return undefined;
      if (v.handleHandoffBatch) {
        const r = await v.handleHandoffBatch(batch.items);
        return r.kind === 'error' ? `handoff batch refused: ${r.reason}` : undefined;
      }
      if (!v.handleHandoffData) return `service ${batch.service} cannot receive handoff data`;
      for (const item of batch.items) {
        const r = await v.handleHandoffData(item);
        if (r.kind === 'error') return `handoff item refused: ${r.reason}`;
      }
      return undefined;
    });
    if (refusal !== undefined) throw new Error(refusal);
    return { applied: batch.items.length };
  }

  /** Rebuild `index` of `service` on this node from the vnodes that hold replicas of its keys (n replicas). */
  async repair(service: string, index: PartitionIndex, n: number): Promise<{ items: number }> {
    const ring = this.rings.current;
    const q = ring.ringSize;
    const owners = ownershipOf(ring).owners;
    // Vnode i holds the keys of partitions i-n+1..i. The neighbours before and after hold, together,
    // every partition vnode `index` holds.
    const wanted = Array.from({ length: n }, (_, k) => wrapIndex(index - k + q, q));
    const before = wrapIndex(index - 1 + q, q);
    const after = wrapIndex(index + 1, q);
    const plan: { source: PartitionIndex; keySpaces: PartitionIndex[] }[] = [
      { source: before, keySpaces: wanted.filter((p) => holds(before, p, n, q)) },
      { source: after, keySpaces: wanted.filter((p) => holds(after, p, n, q) && !holds(before, p, n, q)) },
    ].filter((s) => s.keySpaces.length > 0);
    let items = 0;
    for (const step of plan) {
      const node = owners[step.source];
      const addr = memberOf(ring, node)?.addr;
      if (!addr) throw new Error(`no address for ${node}`);
      const reply = await this.client.request<{ items: number }>(
        addr,
        Patterns.handoffRepair,
        { service, source: step.source, target: index, keySpaces: step.keySpaces, node: this.config.node },
        { timeoutMs: 10 * 60 * 1000 },
      );
      items += reply.items;
    }
    return { items };
  }

  /** Serve a repair request: send the keys of `keySpaces` from local vnode `source` to vnode `target` on `node`. */
  async serveRepair(req: { service: string; source: PartitionIndex; target: PartitionIndex; keySpaces: PartitionIndex[]; node: NodeName }): Promise<{ items: number }> {
    const addr = memberOf(this.rings.current, req.node)?.addr;
    if (!addr) throw new Error(`${req.node} is not a member`);
    const sender = await this.handoff(req.service, req.source, { type: 'repair', index: req.target, node: req.node, keySpaces: req.keySpaces }, addr);
    return { items: sender.progress.items };
  }

  /**
   * This node's running handoffs and the ring's waiting ownership transfers; the cluster-wide list
   * of `ringnest transfers` is ClusterTransfersService's.
   */
  transfers(): TransferView[] {
    return mergeTransfers(this.running(), [], waitingTransfers(this.rings.current)).transfers;
  }

  /** The handoffs this node is sending now, with progress (the `handoff.transfers` reply). */
  running(): TransferView[] {
    const now = Date.now();
    const q = this.rings.current.ringSize;
    return [...this.active.values()].map(({ progress: p }) => {
      const secs = Math.max((now - p.startedAt) / 1000, 0.001);
      return {
        service: p.service,
        index: p.index,
        partition: partitionId(p.index, q).toString(),
        type: p.type,
        from: p.from,
        to: p.to,
        status: 'active',
        items: p.items,
        bytes: p.bytes,
        total: p.total ?? null,
        rate: p.items / secs,
        progress: p.total ? Math.min(1, p.items / p.total) : p.total === 0 ? 1 : null,
      };
    });
  }

  private async handoff(service: string, index: PartitionIndex, target: HandoffTarget, addr: string): Promise<HandoffSender> {
    const key = `${service}/${index}->${target.node}/${target.index}`;
    if (this.active.has(key)) throw new Error(`handoff ${key} already running`);
    const worker = this.master.worker(service, index);
    const timeoutMs = this.options.requestTimeoutMs;
    const link: HandoffLink = {
      sendBatch: async (items) => {
        const batch: HandoffBatch = { service, index: target.index, type: target.type, items };
        await this.client.request(addr, Patterns.handoffData, batch, { timeoutMs: Math.max(timeoutMs, 30000) });
      },
      forward: (command: unknown, _sender: Sender) => this.master.syncCommand({ index: target.index, node: target.node }, service, command),
    };
    const progress: HandoffProgress = { service, index, type: target.type, from: this.config.node, to: target.node, targetIndex: target.index, items: 0, bytes: 0, total: undefined, startedAt: Date.now() };
    const sender = new HandoffSender(worker, target, link, progress, { ...DEFAULT_HANDOFF_LIMITS, maxBatchItems: this.options.handoffBatchItems });
    this.active.set(key, sender);
    try {
      await sender.run();
      this.logger.log(`${target.type} handoff of ${service}/${index} to ${target.node}: ${progress.items} items, ${progress.bytes} bytes in ${Date.now() - progress.startedAt} ms`);
      return sender;
    } finally {
      this.active.delete(key);
    }
  }

  /**
   * Ownership handoffs whose transfer has left the ring: when the ring moved the partition to the
   * target, finish, delete and retire the old vnodes; when it moved on another way (the claimant
   * planned again without this transfer), keep the data and stop forwarding to the target, which
   * will not own the partition — the vnode serves every command itself again.
   */
  private async finishMoved(): Promise<void> {
    const o = ownershipOf(this.rings.current);
    for (const [index, h] of [...this.handedOff]) {
      if (this.handedOff.get(index) !== h) continue; // finished meanwhile by another call
      const pending = o.next.some((x) => x.index === index && x.from === this.config.node);
      if (pending) continue;
      this.handedOff.delete(index);
      const target: HandoffTarget = { type: 'ownership', index, node: h.transfer.to };
      if (o.owners[index] !== h.transfer.to) {
        for (const def of this.registry.all()) await this.cancelForwarding(def.name, target);
        continue;
      }
      for (const [service, sender] of h.senders) await this.retire(service, index, target, h.addr, sender);
    }
  }

  /** End the forwarding a completed handoff to `target` left on the local vnode, if it is still the vnode's handoff. */
  private async cancelForwarding(service: string, target: HandoffTarget): Promise<void> {
    const worker = this.master.running().find((r) => r.service === service && r.index === target.index)?.worker;
    const state = worker?.inHandoff?.target;
    if (!worker || !state || state.type !== target.type || state.node !== target.node || state.index !== target.index) return;
    worker.setHandoff(undefined);
    await worker.call((v) => v.handoffCancelled?.()).catch((err: unknown) => {
      this.logger.warn(`${service}/${target.index}: handoffCancelled failed: ${(err as Error).message}`);
    });
  }

  /**
   * Delete a handed-off vnode's data and retire it, without losing a write it took meanwhile:
   * 1. from now on the master sends new commands for it to the target (while the target is up);
   * 2. the commands already in its mailbox run first, with the handoff state still on, so each
   *    write is applied here and copied to the target (never acknowledged here and then deleted);
   * 3. every copy must have arrived; if one failed, the partition is handed off again (items merge
   *    idempotently) before anything is deleted, at most RESEND_ATTEMPTS times, else the data stays;
   * 4. `handoffFinished`, `delete`, retire.
   */
  private async retire(service: string, index: PartitionIndex, target: HandoffTarget, addr: string, sender: HandoffSender): Promise<void> {
    const worker = this.master.worker(service, index);
    this.master.forwardTo(service, index, target.node);
    for (let attempt = 1; ; attempt++) {
      await worker.call(() => undefined);
      try {
        await sender.copiesDelivered();
        break;
      } catch (err) {
        if (attempt >= RESEND_ATTEMPTS) {
          this.logger.error(`${service}/${index}: writes copied to ${target.node} during the handoff failed ${attempt} times (${(err as Error).message}); keeping the data here`);
          worker.setHandoff(undefined);
          return;
        }
        this.logger.warn(`${service}/${index}: a write copied to ${target.node} during the handoff failed (${(err as Error).message}); handing off again before deleting`);
        try {
          sender = await this.handoff(service, index, target, addr);
        } catch (again) {
          this.logger.error(`${service}/${index}: handing off again to ${target.node} failed (${(again as Error).message}); keeping the data here`);
          return;
        }
      }
    }
    worker.setHandoff(undefined);
    try {
      await worker.call(async (v) => {
        await v.handoffFinished?.(target);
        await v.delete?.();
      });
    } catch (err) {
      this.logger.error(`deleting ${service}/${index} after handoff failed: ${(err as Error).message}`);
    }
    await this.master.retire(service, index, `handed off to ${target.node}`);
  }

  /**
   * The partitions of `service` this node holds data for or runs a vnode of without owning them:
   * fallback data not yet handed back, or a partition it is handing to a new owner. A value there
   * may still reach the owners later, so a delete is not reaped while any node reports one.
   */
  async unownedPartitions(service: string): Promise<PartitionIndex[]> {
    const def = this.registry.all().find((d) => d.name === service);
    if (!def) return [];
    const owners = ownershipOf(this.rings.current).owners;
    const stored = def.storedPartitions ? await def.storedPartitions() : [];
    const running = this.master.running().filter((r) => r.service === service).map((r) => r.index);
    return [...new Set([...stored, ...running])].filter((i) => owners[i] !== this.config.node).sort((a, b) => a - b);
  }

  /** Hand fallback data back to owners that are up again; retire empty fallback vnodes. */
  private async hintedCheck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const o = ownershipOf(this.rings.current);
      const moving = new Set(o.next.filter((t) => t.from === this.config.node || t.to === this.config.node).map((t) => t.index));
      for (const def of this.registry.all()) {
        const stored = def.storedPartitions ? await def.storedPartitions() : [];
        const running = this.master.running().filter((r) => r.service === def.name).map((r) => r.index);
        for (const index of new Set([...stored, ...running])) {
          const owner = o.owners[index];
          if (owner === this.config.node || moving.has(index) || this.handedOff.has(index)) continue;
          const key = `${def.name}/${index}`;
          if (this.active.size >= this.options.transferConcurrency || (this.retryAt.get(key) ?? 0) > Date.now()) continue;
          if (!this.watcher.isUp(owner, def.name)) continue;
          const worker = this.master.worker(def.name, index);
          if (await worker.call((v) => (v.isEmpty ? v.isEmpty() : true))) {
            await this.master.retire(def.name, index, 'empty fallback');
            continue;
          }
          const addr = memberOf(this.rings.current, owner)?.addr;
          if (!addr) continue;
          const target: HandoffTarget = { type: 'hinted', index, node: owner };
          void this.handoff(def.name, index, target, addr)
            .then((sender) => this.retire(def.name, index, target, addr, sender))
            .catch((err: unknown) => {
              this.retryAt.set(key, Date.now() + this.options.transferRetryMs);
              this.logger.warn(`hinted handoff of ${key} to ${owner} failed, retrying: ${(err as Error).message}`);
            })
            // A slot is free again: look for the next partition to hand back now, not at the next tick.
            .finally(() => setImmediate(() => void this.hintedCheck()));
        }
      }
    } finally {
      this.checking = false;
    }
  }
}

function holds(vnode: PartitionIndex, partition: PartitionIndex, n: number, q: number): boolean {
  return (vnode - partition + q) % q < n;
}
