/**
 * Runs the claimant's step (pure `claimantTick`) on this node whenever the ring changes and
 * periodically; the step does nothing unless this node is the effective claimant.
 */
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { claimantTick } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from './liveness.service';
import { RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';

@Injectable()
export class ClaimantService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private subs: Subscription[] = [];

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.options.claimantIntervalMs);
    this.timer.unref();
    this.subs.push(this.rings.changes$.subscribe(() => this.tickSoon()));
    this.subs.push(this.liveness.changes$.subscribe(() => this.tickSoon()));
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    for (const s of this.subs) s.unsubscribe();
  }

  tick(): void {
    this.rings.transact((ring) => {
      const next = claimantTick({ ring, actor: this.rings.self, up: this.liveness.upNodes() });
      return next ? { kind: 'new-ring', ring: next } : { kind: 'ignore' };
    });
  }

  private tickSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.tick();
    }, 10);
    this.soon.unref();
  }
}
