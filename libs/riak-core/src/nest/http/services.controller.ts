/** The admin API of vnode services: which services are up on each node, and the vnodes of this node. */
import { Get } from '@nestjs/common';
import { ownershipOf, partitionId } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { AdminApi, AdminRoute } from './admin-route';

@AdminApi()
export class ServicesController {
  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
    private readonly registry: ServiceRegistry,
    private readonly master: VnodeMaster,
  ) {}

  @Get('services')
  @AdminRoute('The vnode services up on each node')
  services() {
    const nodes = this.watcher.services();
    const text = nodes.map((n) => `${n.node} ${n.up ? 'up' : 'down'}: ${n.services.length > 0 ? n.services.join(', ') : '(none)'}`).join('\n');
    return { nodes, text };
  }

  /** The vnodes this node runs or holds data for, with their size and whether this node owns them. */
  @Get('vnodes')
  @AdminRoute('The vnodes this node runs or holds data for')
  async vnodes() {
    const ring = this.rings.current;
    const owners = ownershipOf(ring).owners;
    const out: { service: string; index: number; partition: string; owned: boolean; running: boolean; size: number | null }[] = [];
    for (const def of this.registry.all()) {
      const running = new Set(this.master.running().filter((r) => r.service === def.name).map((r) => r.index));
      const stored = def.storedPartitions ? await def.storedPartitions() : [];
      for (const index of [...new Set([...running, ...stored])].sort((a, b) => a - b)) {
        const size = await this.master.worker(def.name, index).call((v) => (v.size ? v.size() : null));
        out.push({ service: def.name, index, partition: partitionId(index, ring.ringSize).toString(), owned: owners[index] === this.rings.self, running: running.has(index), size });
      }
    }
    return { vnodes: out, text: out.map((v) => `${v.service} ${v.partition} ${v.owned ? 'owned' : 'not-owned'} ${v.size ?? '-'}`).join('\n') };
  }
}
