/**
 * Drives the ownership transfers whose source is this node: for each pending `next` entry from
 * this node, runs the handoff (at most `transferConcurrency` at once), then marks the transfer
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
}

@Injectable()
export class TransferService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TransferService.name);
  private readonly active = new Map<string, ActiveTransfer>();
  private readonly retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sub: Subscription | undefined;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(HANDOFF_RUNNER) private readonly runner: HandoffRunner,
    private readonly rings: RingManager,
  ) {}

  onModuleInit(): void {
    this.sub = this.rings.changes$.subscribe(() => this.schedule());
    this.timer = setInterval(() => this.schedule(), Math.max(100, Math.floor(this.options.transferRetryMs / 2)));
    this.timer.unref();
    this.schedule();
  }

  onModuleDestroy(): void {
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

  private schedule(): void {
    const now = Date.now();
    for (const t of this.waiting()) {
      if (this.active.size >= this.options.transferConcurrency) return;
      const key = transferKey(t);
      if ((this.retryAt.get(key) ?? 0) > now) continue;
      const addr = memberOf(this.rings.current, t.to)?.addr;
      if (!addr) continue;
      this.active.set(key, { transfer: t, startedAt: now });
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
          this.schedule();
        });
    }
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
