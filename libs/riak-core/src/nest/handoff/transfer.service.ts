/**
 * Drives the ownership transfers whose source is this node: for each pending `next` entry from
 * this node, runs the handoff (at most `transferConcurrency` at once, beside which transfers of
 * partitions holding no data here run without a slot: they move nothing), then marks the transfer
 * complete in the ring; the claimant turns completed transfers into ownership. A failed handoff is
 * retried after `transferRetryMs`; the source keeps the partition until the claimant flips it.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { Transfer, memberOf, ownershipOf, setOwnership, transferKey } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { HANDOFF_RUNNER, HandoffRunner } from './handoff-runner';
import { RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';

export interface ActiveTransfer {
  readonly transfer: Transfer;
  readonly startedAt: number;
  /** started outside the concurrency slots: the partition held no data here */
  readonly light: boolean;
}

/** Transfers of partitions holding no data that may run at once beside the `transferConcurrency` slots. */
const LIGHT_AT_ONCE = 32;

@Injectable()
export class TransferService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TransferService.name);
  private readonly active = new Map<string, ActiveTransfer>();
  private readonly retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sub: Subscription | undefined;
  /** waiting transfers found to hold data here: they wait for a slot */
  private readonly holdsData = new Set<string>();
  /** running transfers started beside the slots (`light`) */
  private lightRunning = 0;
  private scheduling = false;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(HANDOFF_RUNNER) private readonly runner: HandoffRunner,
    private readonly rings: RingManager,
  ) {}

  onModuleInit(): void {
    this.stopped = false;
    this.sub = this.rings.changes$.subscribe(() => this.schedule());
    this.timer = setInterval(() => this.schedule(), Math.max(100, Math.floor(this.options.transferRetryMs / 2)));
    this.timer.unref();
    this.schedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
  }

  activeTransfers(): ActiveTransfer[] {
    return [...this.active.values()];
  }

  /** Pending transfers from this node not yet handed off. */
  waiting(): Transfer[] {
    return ownershipOf(this.rings.current).next.filter(
      (t) => t.from === this.rings.self && t.status === 'awaiting' && !this.active.has(transferKey(t)),
    );
  }

  /** Start what may start now; one pass at a time (a pass may wait to learn whether a partition holds data). */
  private schedule(): void {
    if (this.stopped) return;
    if (this.scheduling) {
      this.again = true;
      return;
    }
    this.scheduling = true;
    this.startWaiting()
      .catch((err: unknown) => this.logger.warn(`scheduling transfers failed: ${(err as Error).message}`))
      .finally(() => {
        this.scheduling = false;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  /**
   * Start waiting transfers in ring order while a slot is free. Once the slots are full, a transfer
   * of a partition that holds nothing here still starts (it moves no data: one round trip), up to
   * LIGHT_AT_ONCE of them; one found to hold data waits for a slot and is not asked again.
   */
  private async startWaiting(): Promise<void> {
    const waiting = this.waiting();
    const keys = new Set(waiting.map(transferKey));
    for (const key of this.holdsData) if (!keys.has(key)) this.holdsData.delete(key);
    for (const t of waiting) {
      const key = transferKey(t);
      if ((this.retryAt.get(key) ?? 0) > Date.now()) continue;
      let light = false;
      if (this.active.size - this.lightRunning >= this.options.transferConcurrency) {
        if (!this.runner.movesNothing || this.holdsData.has(key) || this.lightRunning >= LIGHT_AT_ONCE) continue;
        light = await this.runner.movesNothing(t.index).catch(() => false);
        if (this.stopped) return;
        if (!light) {
          this.holdsData.add(key);
          continue;
        }
        // the ring may have dropped or given this transfer away meanwhile
        if (!this.waiting().some((x) => transferKey(x) === key)) continue;
      }
      const addr = memberOf(this.rings.current, t.to)?.addr;
      if (addr) this.start(t, key, addr, light);
    }
  }

  private start(t: Transfer, key: string, addr: string, light: boolean): void {
    this.active.set(key, { transfer: t, startedAt: Date.now(), light });
    if (light) this.lightRunning++;
    this.runner
      .run(t, addr)
      .then(() => {
        this.retryAt.delete(key);
        this.markComplete(t);
      })
      .catch((err: unknown) => {
        this.retryAt.set(key, Date.now() + this.options.transferRetryMs);
        this.logger.warn(`transfer of partition ${t.index} to ${t.to} failed, retrying: ${(err as Error).message}`);
      })
      .finally(() => {
        this.active.delete(key);
        if (light) this.lightRunning--;
        this.schedule();
      });
  }

  private markComplete(t: Transfer): void {
    const key = transferKey(t);
    this.rings.transact((ring) => {
      const o = ownershipOf(ring);
      if (!o.next.some((x) => transferKey(x) === key && x.status === 'awaiting')) return { kind: 'ignore' };
      const next = o.next.map((x) => (transferKey(x) === key ? { ...x, status: 'complete' as const } : x));
      return { kind: 'new-ring', ring: setOwnership(ring, this.rings.self, { ...o, next }) };
    });
  }
}
