/**
 * Membership operations of docs/reference/cli.md (riak_core:join, riak_core_claimant:stage/plan/commit/clear,
 * riak_core:leave, riak_core:down). Joins run on the joining node; staged changes, plans and
 * commits run on the claimant, so requests made on another node are forwarded to it.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  MembershipResult,
  NodeConfig,
  StagedChange,
  checkCommit,
  checkLeave,
  clearStaged,
  effectiveClaimant,
  formatPlan,
  joinCluster,
  markDown,
  memberOf,
  messages,
  plan,
  planId,
  ringFromPayload,
  isNodeName,
  stageChange,
  stagedChanges,
  transition,
  NodeName,
} from '../../lib';
import { CLUSTER_CLIENT, ClusterClient, ClusterRequestError } from '../transport';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from './liveness.service';
import { GossipService } from '../ring/gossip.service';
import { ClusterRefusal } from './cluster-refusal.exception';
import { NODE_CONFIG, RUNTIME_OPTIONS } from '../tokens';
import { RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';

export type ClaimantOp =
  | { readonly op: 'stage'; readonly change: StagedChange }
  | { readonly op: 'plan' }
  | { readonly op: 'commit' }
  | { readonly op: 'clear' }
  | { readonly op: 'leave'; readonly node: NodeName };

const CLAIMANT_PATTERN: Record<ClaimantOp['op'], string> = {
  stage: Patterns.claimantStage,
  plan: Patterns.claimantPlan,
  commit: Patterns.claimantCommit,
  clear: Patterns.claimantClear,
  leave: Patterns.claimantLeave,
};

export interface RingSummary {
  readonly node: NodeName;
  readonly app: string;
  readonly ringSize: number;
  readonly addr: string;
}

@Injectable()
export class MembershipService {
  private readonly logger = new Logger(MembershipService.name);
  /** what the last `plan` on this node (as claimant) showed; `commit` must find it unchanged */
  private shownPlan: string | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly gossip: GossipService,
  ) {}

  /** Join the cluster of the node whose cluster transport listens at `target` (host:port). */
  async join(target: string, auto: boolean): Promise<string> {
    if (sameAddr(target, this.config.clusterAddr)) throw new ClusterRefusal('self-join', messages.selfJoin());
    let theirs: { node?: unknown; ring?: unknown };
    try {
      theirs = await this.client.request(target, Patterns.ringGet, {}, { timeoutMs: this.options.requestTimeoutMs });
    } catch (err) {
      if (err instanceof ClusterRequestError && err.code === 'remote') throw err;
      throw new ClusterRefusal('unreachable', messages.unreachable(target));
    }
    // a node that answers without a ring (not a Ringnest node of this protocol) cannot be joined
    const targetRing = ringFromPayload(theirs?.ring);
    if (!targetRing || !isNodeName(theirs.node)) throw new ClusterRefusal('unreachable', messages.unreachable(target));
    const result = joinCluster({
      own: this.rings.current,
      target: targetRing,
      targetNode: theirs.node,
      self: this.config.node,
      selfAddr: this.config.clusterAddr,
      auto,
    });
    const message = this.apply(result);
    try {
      await this.gossip.pushTo(target);
    } catch (err) {
      this.logger.warn(`joined ${theirs.node} but could not reach it to announce the join: ${(err as Error).message}; gossip will retry`);
    }
    return message;
  }

  /** Mark an unreachable node down; runs here, spreads by gossip. */
  down(node: NodeName): string {
    return this.apply(markDown(this.rings.current, this.config.node, node, this.liveness.isUp(node)));
  }

  /** Run a claimant operation on the claimant, wherever it is. */
  async onClaimant(op: ClaimantOp): Promise<string> {
    const claimant = effectiveClaimant(this.rings.current);
    if (!claimant || claimant === this.config.node) return this.claimantOp(op);
    const addr = memberOf(this.rings.current, claimant)?.addr;
    if (!addr) return this.claimantOp(op);
    try {
      const reply = await this.client.request<{ text: string }>(addr, CLAIMANT_PATTERN[op.op], op, { timeoutMs: this.options.requestTimeoutMs });
      return reply.text;
    } catch (err) {
      if (err instanceof ClusterRequestError && err.code === 'remote' && err.remoteCode) {
        throw new ClusterRefusal(err.remoteCode as ClusterRefusal['code'], err.message);
      }
      throw new ClusterRefusal('unreachable', messages.unreachable(claimant));
    }
  }

  /** A claimant operation executed on this node (called locally or by the transport controller). */
  claimantOp(op: ClaimantOp): string {
    const self = this.config.node;
    switch (op.op) {
      case 'stage':
        return this.apply(stageChange(this.rings.current, self, op.change));
      case 'plan': {
        const ring = this.rings.current;
        this.shownPlan = planId(ring);
        return formatPlan(plan(ring, self));
      }
      case 'clear':
        return this.apply(clearStaged(this.rings.current, self));
      case 'commit': {
        const refusal = checkCommit(this.rings.current, this.shownPlan);
        if (refusal) throw ClusterRefusal.of(refusal);
        this.shownPlan = undefined;
        this.rings.transact((ring) => ({ kind: 'new-ring', ring: transition(ring, self, stagedChanges(ring)) }));
        return 'Cluster changes committed';
      }
      case 'leave': {
        const staged = stageChange(this.rings.current, self, { kind: 'leave', node: op.node });
        if (staged.kind === 'refused') throw ClusterRefusal.of(staged);
        const notReady = checkLeave(this.rings.current);
        if (notReady) throw ClusterRefusal.of(notReady);
        this.rings.transact((ring) => ({ kind: 'new-ring', ring: transition(ring, self, [{ kind: 'leave', node: op.node }]) }));
        return messages.leaving(op.node);
      }
    }
  }

  summary(): RingSummary {
    return { node: this.config.node, app: this.config.app, ringSize: this.config.ringSize, addr: this.config.clusterAddr };
  }

  private apply(result: MembershipResult): string {
    if (result.kind === 'refused') throw ClusterRefusal.of(result);
    this.rings.transact(() => ({ kind: 'new-ring', ring: result.ring }));
    return result.message;
  }
}

/** host:port equality that treats localhost and 127.0.0.1 alike. */
export function sameAddr(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^localhost:/, '127.0.0.1:');
  return norm(a) === norm(b);
}
