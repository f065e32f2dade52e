/**
 * The admin API of handoff: the transfers running on every member and waiting in the ring, and
 * the repair of a partition on this node from its neighbours' replicas.
 */
import { BadRequestException, Body, Get, HttpCode, Post } from '@nestjs/common';
import { formatTransfers, ownershipOf, partitionId, partitionIndexOf } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { ClusterRefusal } from '../membership/cluster-refusal.exception';
import { HandoffManager } from '../handoff/handoff-manager.service';
import { ClusterTransfersService } from '../handoff/cluster-transfers.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { RepairDto } from './admin.dto';
import { AdminApi, AdminRoute } from './admin-route';

@AdminApi()
export class TransfersController {
  constructor(
    private readonly rings: RingManager,
    private readonly handoff: HandoffManager,
    private readonly clusterTransfers: ClusterTransfersService,
    private readonly registry: ServiceRegistry,
  ) {}

  @Get('transfers')
  @AdminRoute("Handoffs running on every member and the ring's ownership transfers waiting")
  async transfers() {
    const { transfers, unreachable } = await this.clusterTransfers.transfers();
    return { transfers, unreachable, text: formatTransfers(transfers, unreachable) };
  }

  /** Rebuild a partition's vnodes on this node from the neighbours' replicas. */
  @Post('repair')
  @AdminRoute("Rebuild a partition's vnodes on this node from the neighbours' replicas")
  @HttpCode(200)
  async repair(@Body() body: RepairDto) {
    const q = this.rings.current.ringSize;
    const id = BigInt(body.partition);
    const index = partitionIndexOf(id, q);
    if (partitionId(index, q) !== id) throw new BadRequestException(`${body.partition} is not a partition id of a ring of ${q}`);
    if (ownershipOf(this.rings.current).owners[index] !== this.rings.self) {
      throw new ClusterRefusal('not-member', `Failed: partition ${body.partition} is not owned by '${this.rings.self}'`);
    }
    const known = this.registry.all().map((d) => d.name);
    if (body.service !== undefined && !known.includes(body.service)) {
      throw new BadRequestException(`no vnode service '${body.service}' on '${this.rings.self}' (services: ${known.join(', ')})`);
    }
    const services = body.service ? [body.service] : known;
    let items = 0;
    for (const service of services) {
      try {
        items += (await this.handoff.repair(service, index, body.n ?? 3)).items;
      } catch (err) {
        // a neighbour that cannot serve the repair (down, busy, failing): the operator retries later
        throw new ClusterRefusal('unreachable', `Failed: repairing partition ${body.partition} (${service}) from its neighbours: ${(err as Error).message}`);
      }
    }
    return { items, text: `Repaired partition ${body.partition} on '${this.rings.self}': ${items} items received` };
  }
}
