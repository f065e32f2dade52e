/**
 * Coverage commands (riak_core_coverage_fsm): ask a covering set of vnodes — every partition's
 * keys reported exactly once, at replication n — and collect their answers. The plan is the pure
 * `coveragePlan` over the current owners and the nodes up for the service; the offset rotates per
 * request so that load spreads over equivalent plans.
 */
import { Injectable } from '@nestjs/common';
import { AnyServiceRef, CommandOf, CoveragePairsOf, NodeName, PartitionIndex, ReplyFor, coveragePlan, ownershipOf, serviceName } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { CommandOptions, VnodeMaster } from './vnode-master.service';

export interface CoverageReply<T> {
  readonly index: PartitionIndex;
  readonly node: NodeName;
  readonly keySpaces: readonly PartitionIndex[];
  readonly result: T;
}

export type CoverageOutcome<T> =
  | { readonly kind: 'ok'; readonly replies: CoverageReply<T>[] }
  /** some partitions have no up replica among their n holders */
  | { readonly kind: 'insufficient'; readonly missing: readonly PartitionIndex[] };

@Injectable()
export class CoverageService {
  private offset = 0;

  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
    private readonly master: VnodeMaster,
  ) {}

  /**
   * Ask a covering set of `service`'s vnodes for `request`. With a service reference whose
   * coverage pairs describe it, the request is checked and each reply's `result` typed; by name,
   * `T` is the caller's word (not checked at run time).
   */
  coverage<S extends AnyServiceRef, const Q extends CommandOf<CoveragePairsOf<S>>>(service: S, request: Q, n: number, opts?: CommandOptions): Promise<CoverageOutcome<ReplyFor<CoveragePairsOf<S>, Q>>>;
  coverage<T = unknown>(service: string, request: unknown, n: number, opts?: CommandOptions): Promise<CoverageOutcome<T>>;
  async coverage(ref: string | AnyServiceRef, request: unknown, n: number, opts: CommandOptions = {}): Promise<CoverageOutcome<unknown>> {
    const service = serviceName(ref);
    const plan = coveragePlan(ownershipOf(this.rings.current).owners, n, this.watcher.upNodes(service), this.offset++);
    if (plan.kind === 'insufficient') return { kind: 'insufficient', missing: plan.missing };
    const replies = await Promise.all(
      plan.vnodes.map(async (v) => ({
        index: v.index,
        node: v.node,
        keySpaces: v.keySpaces,
        result: await this.master.coverageCommand(v, service, request, v.keySpaces, opts),
      })),
    );
    return { kind: 'ok', replies };
  }
}
