/**
 * The handoff runner used before a node runs vnodes: the new owner only acknowledges the
 * partition (it has no data to receive). Services with vnodes replace it with real handoff.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Transfer } from '../lib';
import { CLUSTER_CLIENT, ClusterClient } from './transport';
import { HandoffRunner } from './handoff-runner';
import { RUNTIME_OPTIONS } from './tokens';
import { RuntimeOptions } from './runtime-options';
import { Patterns } from './patterns';

@Injectable()
export class AckHandoffRunner implements HandoffRunner {
  constructor(
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
  ) {}

  async run(t: Transfer, targetAddr: string): Promise<void> {
    await this.client.request(targetAddr, Patterns.handoffOwnership, { index: t.index, from: t.from, to: t.to }, { timeoutMs: this.options.requestTimeoutMs });
  }
}
