/** Registers the counter service and offers its API: increment on N replicas, read, cluster-wide sum. */
import { Injectable, Module } from '@nestjs/common';
import { CoverageService, PreflistService, VnodeMaster, VnodeServiceModule } from '@ringnest/riak-core';
import { COUNTER, CounterReply, CounterVnode } from './counter.vnode';

export type { CounterReply } from './counter.vnode';

/** Counters are placed on the ring by the key ("counter", key). */
const BUCKET = COUNTER.name;

@Injectable()
export class CounterService {
  constructor(
    private readonly preflists: PreflistService,
    private readonly master: VnodeMaster,
    private readonly coverage: CoverageService,
  ) {}

  /** Increment on every vnode of the key's preference list (primaries and fallbacks). */
  incr(key: string, by = 1, n = 3): Promise<CounterReply[]> {
    const apl = this.preflists.apl(COUNTER, BUCKET, key, n);
    return Promise.all(this.master.command(apl, COUNTER, { op: 'incr', key, by }));
  }

  get(key: string, n = 3): Promise<CounterReply> {
    const [first] = this.preflists.apl(COUNTER, BUCKET, key, n);
    return this.master.syncCommand(first, COUNTER, { op: 'get', key });
  }

  /** The sum of every counter, each counted once, from a covering set of vnodes. */
  async sum(n = 3): Promise<number> {
    const outcome = await this.coverage.coverage(COUNTER, { op: 'sum' }, n);
    if (outcome.kind === 'insufficient') throw new Error(`partitions ${outcome.missing.join(',')} have no replica up`);
    return outcome.replies.reduce((total, r) => total + r.result, 0);
  }
}

@Module({
  imports: [VnodeServiceModule.register({ service: COUNTER, vnode: CounterVnode })],
  providers: [CounterService],
  exports: [CounterService],
})
export class CounterModule {}
