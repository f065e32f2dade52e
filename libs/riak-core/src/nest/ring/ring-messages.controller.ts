/**
 * Ring exchange on the cluster transport: a peer fetches this node's durable ring, pushes its
 * ring by gossip or asks whether ours has its digest, or reports which ring versions it has seen. Each handler validates its input
 * and delegates to the gossip service or the ring manager.
 */
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { NodeName, isNodeName, isVClock, ringBytes, ringFromPayload } from '../../lib';
import { ClusterContext } from '../transport';
import { Patterns } from '../transport/patterns';
import { badRequest } from '../transport/rpc-errors';
import { LivenessService } from '../membership/liveness.service';
import { RingManager } from './ring-manager.service';
import { DigestReply, GossipReply, GossipService } from './gossip.service';

@Controller()
export class RingMessagesController {
  constructor(
    private readonly rings: RingManager,
    private readonly gossip: GossipService,
    private readonly liveness: LivenessService,
  ) {}

  @MessagePattern(Patterns.ringGet)
  async ringGet(): Promise<{ node: NodeName; ring: Uint8Array }> {
    return { node: this.rings.self, ring: ringBytes(await this.rings.durable()) };
  }

  @MessagePattern(Patterns.gossip)
  receiveGossip(@Payload() data: { ring?: unknown }, @Ctx() ctx: ClusterContext): Promise<GossipReply> {
    const ring = ringFromPayload(data?.ring);
    if (!ring) throw badRequest('ring.gossip needs a ring');
    this.liveness.heardFrom(ctx.getPeerNode());
    return this.gossip.receive(ring);
  }

  @MessagePattern(Patterns.digest)
  receiveDigest(@Payload() data: { clusterId?: unknown; digest?: unknown }, @Ctx() ctx: ClusterContext): DigestReply | Record<string, never> {
    if (typeof data?.clusterId !== 'string' || typeof data.digest !== 'string' || data.digest.length > 64) throw badRequest('ring.digest needs clusterId and digest');
    this.liveness.heardFrom(ctx.getPeerNode());
    return this.gossip.receiveDigest(data.clusterId, data.digest);
  }

  @MessagePattern(Patterns.seen)
  receiveSeen(@Payload() data: { clusterId?: unknown; node?: unknown; seen?: unknown }): { ok: true } {
    if (typeof data?.clusterId !== 'string' || !isNodeName(data.node) || !isVClock(data.seen)) throw badRequest('ring.seen needs clusterId, node and seen');
    this.gossip.receiveSeen(data.clusterId, data.node, data.seen);
    return { ok: true };
  }
}
