/**
 * The admin API of membership: this node's status and the membership table, joins, the staged
 * changes (stage / plan / commit / clear), leave and down. Thin: validate, delegate to the
 * membership service, render with the pure status-text functions.
 */
import { Body, Get, HttpCode, Post } from '@nestjs/common';
import { formatMemberTable, memberRows, nodeName, ownershipOf, ringReady } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { MembershipService } from '../membership/membership.service';
import { JoinDto, NodeDto, OptionalNodeDto, ReplaceDto } from './admin.dto';
import { AdminApi, AdminRoute } from './admin-route';

@AdminApi()
export class MembersController {
  constructor(
    private readonly rings: RingManager,
    private readonly liveness: LivenessService,
    private readonly membership: MembershipService,
  ) {}

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
    return { text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'leave', node: body.node ? nodeName(body.node) : this.rings.self } }) };
  }

  @Post('staged/force-remove')
  @AdminRoute('Stage a force-remove of a node')
  @HttpCode(200)
  async forceRemove(@Body() body: NodeDto) {
    return { text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'force-remove', node: nodeName(body.node) } }) };
  }

  @Post('staged/replace')
  @AdminRoute('Stage the replacement of a node')
  @HttpCode(200)
  async replace(@Body() body: ReplaceDto) {
    return {
      text: await this.membership.onClaimant({ op: 'stage', change: { kind: 'replace', node: nodeName(body.node), replacement: nodeName(body.replacement) } }),
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
    return { text: this.membership.down(nodeName(body.node)) };
  }
}
