/**
 * Membership on the cluster transport: the liveness probe (`node.ping`, answered with the vnode
 * services up here) and the claimant operations other nodes forward to this node when it is the
 * claimant. Each handler validates its input and delegates to one service.
 */
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { NodeName, StagedChange, isNodeName } from '../../lib';
import { ClusterContext } from '../transport';
import { Patterns } from '../transport/patterns';
import { badRequest } from '../transport/rpc-errors';
import { RingManager } from '../ring/ring-manager.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { LivenessService } from './liveness.service';
import { ClaimantOp, MembershipService } from './membership.service';
import { ClusterRefusal } from './cluster-refusal.exception';

function isStagedChange(x: unknown): x is StagedChange {
  if (!x || typeof x !== 'object') return false;
  const c = x as { kind?: unknown; node?: unknown; replacement?: unknown };
  if (!isNodeName(c.node)) return false;
  if (c.kind === 'replace') return isNodeName(c.replacement);
  return c.kind === 'join' || c.kind === 'leave' || c.kind === 'force-remove';
}

@Controller()
export class MembershipMessagesController {
  constructor(
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly membership: MembershipService,
    private readonly registry: ServiceRegistry,
  ) {}

  @MessagePattern(Patterns.ping)
  ping(@Ctx() ctx: ClusterContext): { node: NodeName; services: readonly string[] } {
    this.liveness.heardFrom(ctx.getPeerNode());
    return { node: this.rings.self, services: this.registry.upServices() };
  }

  @MessagePattern(Patterns.claimantStage)
  stage(@Payload() data: { change?: unknown }): { text: string } {
    if (!isStagedChange(data?.change)) throw badRequest('claimant.stage needs a change');
    return this.claimant({ op: 'stage', change: data.change });
  }

  @MessagePattern(Patterns.claimantPlan)
  plan(): { text: string } {
    return this.claimant({ op: 'plan' });
  }

  @MessagePattern(Patterns.claimantCommit)
  commit(): { text: string } {
    return this.claimant({ op: 'commit' });
  }

  @MessagePattern(Patterns.claimantClear)
  clear(): { text: string } {
    return this.claimant({ op: 'clear' });
  }

  @MessagePattern(Patterns.claimantLeave)
  leave(@Payload() data: { node?: unknown }): { text: string } {
    if (!isNodeName(data?.node)) throw badRequest('claimant.leave needs a node');
    return this.claimant({ op: 'leave', node: data.node });
  }

  private claimant(op: ClaimantOp): { text: string } {
    try {
      return { text: this.membership.claimantOp(op) };
    } catch (err) {
      if (err instanceof ClusterRefusal) throw new RpcException({ code: err.code, message: err.message });
      throw err;
    }
  }
}
