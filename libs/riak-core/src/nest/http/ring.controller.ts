/**
 * The admin API of the ring: the owner of every partition, the claimant's view (ring-status,
 * ringready) and the annotated preference list of a key.
 */
import { Get, Query } from '@nestjs/common';
import { clusterNodes, formatRingReady, formatRingStatus, keyAplAnn, ownerEntries, ownershipOf, partitionId, ringReady } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { PreflistQueryDto } from './admin.dto';
import { AdminApi, AdminRoute } from './admin-route';

@AdminApi()
export class RingController {
  constructor(
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly watcher: NodeWatcher,
  ) {}

  /** The ring's ownership: owner of every partition, and pending transfers. */
  @Get('ring')
  @AdminRoute('The owner of every partition and the pending transfers')
  ring() {
    const ring = this.rings.current;
    const o = ownershipOf(ring);
    return {
      ringSize: ring.ringSize,
      owners: ownerEntries(o.owners).map(([index, node]) => ({ index, partition: partitionId(index, ring.ringSize).toString(), node })),
      next: o.next,
    };
  }

  @Get('ring-status')
  @AdminRoute('Claimant, ring readiness, pending transfers, unreachable nodes')
  ringStatus() {
    const ring = this.rings.current;
    const o = ownershipOf(ring);
    const unreachable = this.liveness.unreachable();
    return {
      claimant: o.claimant,
      ringReady: ringReady(ring).ready,
      transfers: o.next,
      unreachable,
      text: formatRingStatus(ring, unreachable),
    };
  }

  @Get('ringready')
  @AdminRoute('Whether every member has seen the current ring')
  ringready() {
    const ring = this.rings.current;
    const r = formatRingReady(ring, this.liveness.unreachable());
    return { ready: r.ready, nodes: clusterNodes(ring), text: r.text };
  }

  /** The annotated preference list of a ring key; up means up for `service` when given, else reachable. */
  @Get('preflist')
  @AdminRoute('The annotated preference list of a ring key')
  preflist(@Query() q: PreflistQueryDto) {
    const ring = this.rings.current;
    const up = q.service ? this.watcher.upNodes(q.service) : this.liveness.upNodes();
    const entries = keyAplAnn(ownershipOf(ring).owners, q.bucket, q.key, q.n, up).map((e) => ({
      partition: partitionId(e.index, ring.ringSize).toString(),
      index: e.index,
      node: e.node,
      type: e.type,
    }));
    return { entries, text: entries.map((e) => `${e.partition} ${e.node} ${e.type}`).join('\n') };
  }
}
