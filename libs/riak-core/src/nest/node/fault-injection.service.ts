/**
 * Fault injection for tests (FAULTS=1 only): owns the link-fault layer the cluster transport's
 * client and server send through, and sets the node clock's offset. Without FAULTS=1 there is no
 * layer (the transport is built without one) and every change is refused.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { NodeConfig } from '../../lib';
import { MAX_CLOCK_OFFSET_MS, NodeClock } from './node-clock';
import { NODE_CONFIG } from '../tokens';
import { LinkFaultRule, LinkFaultStats, LinkFaults, NO_LINK_FAULTS } from '../transport';

export interface FaultConfig {
  readonly seed: number;
  readonly clockOffsetMs: number;
  readonly links: readonly LinkFaultRule[];
}

export interface FaultView extends FaultConfig {
  readonly stats: LinkFaultStats;
}

/** Thrown by changes while fault injection is off. */
export class FaultsDisabledError extends Error {
  constructor() {
    super('fault injection is disabled; start the node with FAULTS=1');
    this.name = 'FaultsDisabledError';
  }
}

@Injectable()
export class FaultInjectionService implements OnApplicationShutdown {
  /** The link-fault layer for the transport; null unless the node was started with FAULTS=1. */
  readonly links: LinkFaults | null;

  constructor(
    @Inject(NODE_CONFIG) config: NodeConfig,
    private readonly clock: NodeClock,
  ) {
    this.links = config.faults ? new LinkFaults() : null;
    if (this.links) new Logger('Faults').warn(`fault injection is enabled on ${config.node} (FAULTS=1): /api/cluster/faults can break its links and skew its clock; never in production`);
  }

  get enabled(): boolean {
    return this.links !== null;
  }

  current(): FaultView {
    const links = this.links?.current ?? NO_LINK_FAULTS;
    return { seed: links.seed, clockOffsetMs: this.clock.offsetMs, links: links.links, stats: { ...(this.links?.stats ?? { lost: 0, delayed: 0, duplicated: 0 }) } };
  }

  /** Replace the whole configuration. Throws FaultsDisabledError, or RangeError (nothing changed) for an invalid one. */
  replace(config: FaultConfig): FaultView {
    if (!this.links) throw new FaultsDisabledError();
    const offset = config.clockOffsetMs;
    if (!Number.isInteger(offset) || Math.abs(offset) > MAX_CLOCK_OFFSET_MS) throw new RangeError(`clockOffsetMs must be an integer within ±${MAX_CLOCK_OFFSET_MS}`);
    this.links.configure({ seed: config.seed, links: config.links }); // throws before changing anything
    this.clock.setOffset(offset);
    return this.current();
  }

  /** No link faults, no clock offset. */
  clear(): FaultView {
    return this.replace({ seed: 0, clockOffsetMs: 0, links: [] });
  }

  onApplicationShutdown(): void {
    this.links?.cancelAll();
  }
}
