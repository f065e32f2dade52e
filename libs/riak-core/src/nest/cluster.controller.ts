/**
 * The runtime's handlers on the cluster transport: liveness probes, ring exchange, claimant
 * operations forwarded from other nodes, and the ownership-transfer acknowledgement. Each handler
 * validates its input and delegates to one service.
 */
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { NodeName, Ring, StagedChange, TransferView, VClock } from '../lib';
import { ClusterContext } from './transport';
import { RingManager } from './ring-manager.service';
import { GossipReply, GossipService } from './gossip.service';
import { LivenessService } from './liveness.service';
import { ClaimantOp, MembershipService } from './membership.service';
import { ClusterRefusal } from './cluster-refusal.exception';
import { Patterns } from './patterns';
import { ServiceRegistry } from './vnode/service-registry';
import { RemoteVnodeRequest, VnodeMaster } from './vnode/vnode-master.service';
import { VnodeError } from './vnode/vnode-error';
import { HandoffBatch, HandoffManager } from './handoff/handoff-manager.service';

function isRing(x: unknown): x is Ring {
  if (!x || typeof x !== 'object') return false;
  const r = x as Partial<Ring>;
  return (
    r.format === 1 &&
    typeof r.clusterId === 'string' &&
    typeof r.app === 'string' &&
    typeof r.ringSize === 'number' &&
    !!r.members &&
    typeof r.members === 'object' &&
    Array.isArray(r.ownership) &&
    !!r.seen &&
    typeof r.seen === 'object'
  );
}

function isClock(x: unknown): x is VClock {
  return !!x && typeof x === 'object' && !Array.isArray(x) && Object.values(x).every((n) => Number.isInteger(n) && (n as number) >= 0);
}

function bad(message: string): RpcException {
  return new RpcException({ code: 'bad-request', message });
}

function isStagedChange(x: unknown): x is StagedChange {
  if (!x || typeof x !== 'object') return false;
  const c = x as { kind?: unknown; node?: unknown; replacement?: unknown };
  if (typeof c.node !== 'string') return false;
  if (c.kind === 'replace') return typeof c.replacement === 'string';
  return c.kind === 'join' || c.kind === 'leave' || c.kind === 'force-remove';
}

@Controller()
export class ClusterController {
  constructor(
    private readonly rings: RingManager,
    private readonly gossip: GossipService,
    private readonly liveness: LivenessService,
    private readonly membership: MembershipService,
    private readonly registry: ServiceRegistry,
    private readonly master: VnodeMaster,
    private readonly handoff: HandoffManager,
  ) {}

  @MessagePattern(Patterns.ping)
  ping(@Ctx() ctx: ClusterContext): { node: NodeName; services: readonly string[] } {
    this.liveness.heardFrom(ctx.getPeerNode());
    return { node: this.rings.self, services: this.registry.upServices() };
  }

  @MessagePattern(Patterns.vnodeCommand)
  async vnodeCommand(@Payload() data: Partial<RemoteVnodeRequest>, @Ctx() ctx: ClusterContext): Promise<unknown> {
    if (typeof data?.service !== 'string' || typeof data.index !== 'number' || (data.kind !== 'command' && data.kind !== 'coverage')) {
      throw bad('vnode.command needs service, index and kind');
    }
    if (data.keySpaces !== undefined && !(Array.isArray(data.keySpaces) && data.keySpaces.every((k) => Number.isInteger(k)))) throw bad('keySpaces must be partition indices');
    try {
      return await this.master.handleRemote(data as RemoteVnodeRequest, ctx.getPeerNode());
    } catch (err) {
      if (err instanceof VnodeError) throw new RpcException({ code: err.code, message: err.message });
      throw err;
    }
  }

  @MessagePattern(Patterns.ringGet)
  async ringGet(): Promise<{ node: NodeName; ring: Ring }> {
    return { node: this.rings.self, ring: await this.rings.durable() };
  }

  @MessagePattern(Patterns.gossip)
  receiveGossip(@Payload() data: { ring?: unknown }, @Ctx() ctx: ClusterContext): Promise<GossipReply> {
    if (!isRing(data?.ring)) throw bad('ring.gossip needs a ring');
    this.liveness.heardFrom(ctx.getPeerNode());
    return this.gossip.receive(data.ring);
  }

  @MessagePattern(Patterns.seen)
  receiveSeen(@Payload() data: { clusterId?: unknown; node?: unknown; seen?: unknown }): { ok: true } {
    if (typeof data?.clusterId !== 'string' || typeof data.node !== 'string' || !isClock(data.seen)) throw bad('ring.seen needs clusterId, node and seen');
    this.gossip.receiveSeen(data.clusterId, data.node, data.seen);
    return { ok: true };
  }

  @MessagePattern(Patterns.claimantStage)
  stage(@Payload() data: { change?: unknown }): { text: string } {
    if (!isStagedChange(data?.change)) throw bad('claimant.stage needs a change');
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
    if (typeof data?.node !== 'string') throw bad('claimant.leave needs a node');
    return this.claimant({ op: 'leave', node: data.node });
  }

  @MessagePattern(Patterns.handoffData)
  async handoffData(@Payload() data: Partial<HandoffBatch>): Promise<{ applied: number }> {
    if (typeof data?.service !== 'string' || typeof data.index !== 'number' || !Array.isArray(data.items) || !data.items.every((i) => i instanceof Uint8Array)) {
      throw bad('handoff.data needs service, index and items');
    }
    try {
      return await this.handoff.receive(data as HandoffBatch);
    } catch (err) {
      if (err instanceof VnodeError) throw new RpcException({ code: err.code, message: err.message });
      throw new RpcException({ code: 'handoff-failed', message: (err as Error).message });
    }
  }

  /** This node's running handoffs, for another node's cluster-wide `ringnest transfers`. */
  @MessagePattern(Patterns.handoffTransfers)
  handoffTransfers(): { node: NodeName; transfers: TransferView[] } {
    return { node: this.rings.self, transfers: this.handoff.running() };
  }

  /** The partitions of a service this node holds without owning them (ClusterTransfersService.unownedAnywhere). */
  @MessagePattern(Patterns.handoffUnowned)
  async handoffUnowned(@Payload() data: { service?: unknown }): Promise<{ indices: number[] }> {
    if (typeof data?.service !== 'string') throw bad('handoff.unowned needs service');
    return { indices: await this.handoff.unownedPartitions(data.service) };
  }

  @MessagePattern(Patterns.handoffRepair)
  async handoffRepair(
    @Payload() data: { service?: unknown; source?: unknown; target?: unknown; keySpaces?: unknown; node?: unknown },
    @Ctx() ctx: ClusterContext,
  ): Promise<{ items: number }> {
    // The asker is up (it just sent this), and the repair's data goes straight back to it: a link
    // to it still backing off from an earlier outage (it was restarted to be repaired) must not
    // refuse that data with the old failure.
    this.liveness.heardFrom(ctx.getPeerNode());
    const { service, source, target, keySpaces, node } = data ?? {};
    if (typeof service !== 'string' || !Number.isInteger(source) || !Number.isInteger(target) || typeof node !== 'string' || !Array.isArray(keySpaces) || !keySpaces.every((k) => Number.isInteger(k))) {
      throw bad('handoff.repair needs service, source, target, keySpaces and node');
    }
    try {
      return await this.handoff.serveRepair({ service, source: source as number, target: target as number, keySpaces: keySpaces as number[], node });
    } catch (err) {
      throw new RpcException({ code: 'handoff-failed', message: (err as Error).message });
    }
  }

  @MessagePattern(Patterns.handoffOwnership)
  acceptOwnership(@Payload() data: { index?: unknown }): { accepted: boolean } {
    if (typeof data?.index !== 'number' || !Number.isInteger(data.index)) throw bad('handoff.ownership needs a partition index');
    if (data.index < 0 || data.index >= this.rings.current.ringSize) throw bad(`no partition ${data.index}`);
    return { accepted: true };
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
