/**
 * The admin API behind `./ringnest` (docs/admin-api.md). Thin: validate, delegate to the
 * membership service or read the ring, render with the pure status-text functions.
 */
import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, UseGuards, UsePipes, ValidationPipe, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClusterRefusal } from '../cluster-refusal.exception';
import {
  clusterNodes,
  formatMemberTable,
  formatRingReady,
  formatRingStatus,
  memberRows,
  keyAplAnn,
  ownershipOf,
  partitionId,
  partitionIndexOf,
  ringReady,
} from '../../lib';
import { RingManager } from '../ring-manager.service';
import { LivenessService } from '../liveness.service';
import { MembershipService } from '../membership.service';
import { AdminTokenGuard } from './admin-token.guard';
import { JoinDto, NodeDto, OptionalNodeDto, PreflistQueryDto, RepairDto, ReplaceDto } from './admin.dto';
import { HandoffManager, TransferView } from '../handoff/handoff-manager.service';
import { ClusterTransfersService } from '../handoff/cluster-transfers.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { NodeWatcher } from '../node-watcher.service';
import { ApiErrorResponses } from './api-error-responses.decorator';
import { ADMIN_AUTH } from './openapi';

/** OpenAPI: what the route does; it answers 200 with at least `text`. */
const AdminRoute = (summary: string) =>
  applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({
      description: 'at least `text`, the lines `./ringnest` prints (docs/admin-api.md)',
      schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } }, additionalProperties: true },
    }),
  );

@ApiTags('cluster')
@ApiBearerAuth(ADMIN_AUTH)
@ApiErrorResponses(400, 401, 409, 502)
@Controller('api/cluster')
@UseGuards(AdminTokenGuard)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class AdminController {
  constructor(
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly membership: MembershipService,
    private readonly watcher: NodeWatcher,
    private readonly handoff: HandoffManager,
    private readonly clusterTransfers: ClusterTransfersService,
    private readonly registry: ServiceRegistry,
    private readonly master: VnodeMaster,
  ) {}

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

  /** The ring's ownership: owner of every partition, and pending transfers. */
  @Get('ring')
  @AdminRoute('The owner of every partition and the pending transfers')
  ring() {
    const ring = this.rings.current;
    const o = ownershipOf(ring);
    return {
      ringSize: ring.ringSize,
      owners: o.owners.map((node, index) => ({ index, partition: partitionId(index, ring.ringSize).toString(), node })),
      next: o.next,
    };
  }

  @Get('services')
  @AdminRoute('The vnode services up on each node')
  services() {
    const nodes = this.watcher.services();
    const text = nodes.map((n) => `${n.node} ${n.up ? 'up' : 'down'}: ${n.services.length > 0 ? n.services.join(', ') : '(none)'}`).join('\n');
    return { nodes, text };
  }

  @Get('status')
  @AdminRoute('This node, the ring and the membership table')
  status() {
    const ring = this.rings.current;
    const members = memberRows(ring);
    const summary = this.membership.summary();
    return {
      node: summary.node,
      app: summary.app,
      ringSize: summary.ringSize,
      clusterAddr: summary.addr,
      clusterId: ring.clusterId,
      ringReady: ringReady(ring).ready,
      pendingTransfers: ownershipOf(ring).next.length,
      unreachable: this.liveness.unreachable(),
      members,
      text: formatMemberTable(members),
    };
  }

  @Get('member-status')
  @AdminRoute('The membership table')
  memberStatus() {
    const members = memberRows(this.rings.current);
    return { members, text: formatMemberTable(members) };
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

  @Post('join')
  @AdminRoute('Join the cluster of the node at `target` now')
  @HttpCode(200)
  async join(@Body() body: JoinDto) {
    return { text: await this.membership.join(body.target, true) };
  }

  @Post('staged/join')
  @AdminRoute('Stage a join of this node')
  @HttpCode(200)
  async stagedJoin(@Body() body: JoinDto) {
    return { text: await this.membership.join(body.target, false) };
  }

  @Post('staged/leave')
  @AdminRoute('Stage a leave (of this node by default)')
  @HttpCode(200)
  async stagedLeave(@Body() body: OptionalNodeDto) {
    return { text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'leave', node: body.node ?? this.rings.self } }) };
  }

  @Post('staged/force-remove')
  @AdminRoute('Stage a force-remove of a node')
  @HttpCode(200)
  async forceRemove(@Body() body: NodeDto) {
    return { text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'force-remove', node: body.node } }) };
  }

  @Post('staged/replace')
  @AdminRoute('Stage the replacement of a node')
  @HttpCode(200)
  async replace(@Body() body: ReplaceDto) {
    return {
      text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'replace', node: body.node, replacement: body.replacement } }),
    };
  }

  @Get('plan')
  @AdminRoute('The plan of the staged changes')
  async plan() {
    return { text: await this.membership.onClaimant({ op: 'plan' }) };
  }

  @Post('commit')
  @AdminRoute('Commit the staged changes')
  @HttpCode(200)
  async commit() {
    return { text: await this.membership.onClaimant({ op: 'commit' }) };
  }

  @Post('clear')
  @AdminRoute('Clear the staged changes')
  @HttpCode(200)
  async clear() {
    return { text: await this.membership.onClaimant({ op: 'clear' }) };
  }

  @Post('leave')
  @AdminRoute('This node leaves now; its process exits once it owns nothing')
  @HttpCode(200)
  async leave() {
    return { text: await this.membership.onClaimant({ op: 'leave', node: this.rings.self }) };
  }

  @Post('down')
  @AdminRoute('Mark an unreachable node down')
  @HttpCode(200)
  down(@Body() body: NodeDto) {
    return { text: this.membership.down(body.node) };
  }
}

/** The transfer table; members that did not answer are named on a last line (their handoffs show as waiting at most). */
function formatTransfers(ts: readonly TransferView[], unreachable: readonly string[] = []): string {
  const down = unreachable.length === 0 ? [] : [`Not answering (their running handoffs are not shown): ${unreachable.map((n) => `'${n}'`).join(', ')}`];
  if (ts.length === 0) return ['No transfers active', ...down].join('\n');
  const lines = ['Partition                                         Type       Status   From -> To                         Items      Bytes    Rate/s  Done'];
  for (const t of ts) {
    const done = t.progress === null ? '   -' : `${Math.round(t.progress * 100)}%`.padStart(4);
    lines.push(
      `${t.partition.padEnd(49)} ${t.type.padEnd(10)} ${t.status.padEnd(8)} ${`${t.from} -> ${t.to}`.padEnd(34)} ${String(t.items).padStart(6)} ${String(t.bytes).padStart(10)} ${t.rate.toFixed(0).padStart(9)}  ${done}`,
    );
  }
  return [...lines, ...down].join('\n');
}
