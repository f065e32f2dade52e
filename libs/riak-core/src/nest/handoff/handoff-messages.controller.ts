/**
 * Handoff on the cluster transport: batches of a partition's data arriving here, repairs this node
 * serves to a neighbour, this node's running handoffs and unowned partitions (for cluster-wide
 * views), and the acknowledgement of an ownership transfer. Each handler validates its input and
 * delegates to the handoff manager.
 */
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { NodeName, PartitionIndex, TransferView, isNodeName, isPartitionIndex } from '../../lib';
import { ClusterContext } from '../transport';
import { Patterns } from '../transport/patterns';
import { badRequest } from '../transport/rpc-errors';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { VnodeError } from '../vnode/vnode-error';
import { HandoffBatch, HandoffManager } from './handoff-manager.service';

@Controller()
export class HandoffMessagesController {
  constructor(
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly handoff: HandoffManager,
  ) {}

  @MessagePattern(Patterns.handoffData)
  async handoffData(@Payload() data: Partial<HandoffBatch>): Promise<{ applied: number }> {
    if (typeof data?.service !== 'string' || typeof data.index !== 'number' || !Array.isArray(data.items) || !data.items.every((i) => i instanceof Uint8Array)) {
      throw badRequest('handoff.data needs service, index and items');
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
  async handoffUnowned(@Payload() data: { service?: unknown }): Promise<{ indices: PartitionIndex[] }> {
    if (typeof data?.service !== 'string') throw badRequest('handoff.unowned needs service');
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
    const q = this.rings.current.ringSize;
    const index = (x: unknown): x is PartitionIndex => typeof x === 'number' && isPartitionIndex(x, q);
    if (typeof service !== 'string' || !index(source) || !index(target) || !isNodeName(node) || !Array.isArray(keySpaces) || !keySpaces.every(index)) {
      throw badRequest('handoff.repair needs service, source, target, keySpaces and node');
    }
    try {
      return await this.handoff.serveRepair({ service, source, target, keySpaces, node });
    } catch (err) {
      throw new RpcException({ code: 'handoff-failed', message: (err as Error).message });
    }
  }

  @MessagePattern(Patterns.handoffOwnership)
  acceptOwnership(@Payload() data: { index?: unknown }): { accepted: boolean } {
    if (typeof data?.index !== 'number' || !Number.isInteger(data.index)) throw badRequest('handoff.ownership needs a partition index');
    if (data.index < 0 || data.index >= this.rings.current.ringSize) throw badRequest(`no partition ${data.index}`);
    return { accepted: true };
  }
}
