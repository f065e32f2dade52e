/**
 * `GET /metrics` (docs/reference/http-api.md): Prometheus metrics of this node — the process (prom-client defaults)
 * and the ring as this node sees it, read at scrape time from the providers that own that state.
 */
import { Controller, Get, Header, OnModuleInit } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import { clusterNodes, memberOf, ownershipOf, ringReady } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { HandoffManager } from '../handoff/handoff-manager.service';
import { MetricsRegistry } from './metrics-registry';

@ApiTags('node')
@Controller()
export class MetricsController implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly master: VnodeMaster,
    private readonly handoff: HandoffManager,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'ringnest_' });
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          collect(this);
        },
      });
    gauge('ringnest_ring_members', 'Members of the ring by status', ['status'], (g) => {
      g.reset();
      for (const n of clusterNodes(this.rings.current)) g.inc({ status: memberOf(this.rings.current, n)?.status ?? 'unknown' });
    });
    gauge('ringnest_ring_ready', '1 when every member has seen the current ring', [], (g) => g.set(ringReady(this.rings.current).ready ? 1 : 0));
    gauge('ringnest_ring_partitions_owned', 'Partitions this node owns', [], (g) =>
      g.set(ownershipOf(this.rings.current).owners.filter((o) => o === this.rings.self).length),
    );
    gauge('ringnest_transfers_pending', 'Ownership transfers pending in the ring', [], (g) => g.set(ownershipOf(this.rings.current).next.length));
    gauge('ringnest_handoffs_active', 'Handoffs running on this node', ['type'], (g) => {
      g.reset();
      for (const t of this.handoff.transfers()) if (t.status === 'active') g.inc({ type: t.type });
    });
    gauge('ringnest_nodes_unreachable', 'Members this node cannot reach', [], (g) => g.set(this.liveness.unreachable().length));
    const liveness = this.liveness;
    new Counter({
      name: 'ringnest_liveness_down_total',
      help: 'Times this node marked a peer down (unreachable for routing)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(liveness.downTransitions);
      },
    });
    gauge('ringnest_vnodes_running', 'Vnodes running on this node by service', ['service'], (g) => {
      g.reset();
      for (const r of this.master.running()) g.inc({ service: r.service });
    });
    gauge('ringnest_vnode_queue_depth', 'Commands waiting in vnode mailboxes by service', ['service'], (g) => {
      g.reset();
      for (const r of this.master.running()) g.inc({ service: r.service }, r.worker.queued);
    });
  }

  @Get('metrics')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format (ringnest_* gauges and process metrics)', schema: { type: 'string' } })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
