import { Ring } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { ClaimantOp, MembershipService } from '../membership/membership.service';
import { ClusterRefusal } from '../membership/cluster-refusal.exception';
import { MembersController } from './members.controller';
import { A, B, C, addrOf, fakeLiveness, ringManager, ringOf } from '../../../test/provider-fakes';
import { AdminApp, adminApp } from '../../../test/admin-app';

/** What the controller asked the membership service; `refuse` makes the next call fail with it. */
class MembershipRecorder {
  readonly calls: unknown[] = [];
  refuse: ClusterRefusal | undefined;

  private answer(call: unknown, text: string): string {
    this.calls.push(call);
    const refusal = this.refuse;
    this.refuse = undefined;
    if (refusal) throw refusal;
    return text;
  }
  async join(target: string, auto: boolean) {
    return this.answer({ join: target, auto }, `joined ${target}`);
  }
  async onClaimant(op: ClaimantOp) {
    return this.answer(op, `did ${op.op}`);
  }
  down(node: string) {
    return this.answer({ down: node }, `${node} is down`);
  }
  summary() {
    return { node: A, app: 'test', ringSize: 8, addr: addrOf(A) };
  }
}

const TARGET = '127.0.0.1:9002';

describe('MembersController (admin API of membership)', () => {
  let api: AdminApp;
  let membership: MembershipRecorder;
  let rings: RingManager;

  beforeEach(async () => {
    const ring: Ring = ringOf([A, B, C]);
    rings = ringManager(A, ring);
    membership = new MembershipRecorder();
    api = await adminApp(MembersController, A, [
      { provide: RingManager, useValue: rings },
      { provide: LivenessService, useValue: fakeLiveness(rings, [C]) },
      { provide: MembershipService, useValue: membership },
    ]);
  });
  afterEach(() => api.app.close());

  it('status: this node, the ring and the membership table, with the unreachable members', async () => {
    const { status, body } = await api.call('GET', '/api/cluster/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ node: A, app: 'test', ringSize: 8, clusterAddr: addrOf(A), clusterId: rings.current.clusterId, ringReady: true, pendingTransfers: 0, unreachable: [C] });
    expect((body.members as { node: string; status: string }[]).map((m) => [m.node, m.status])).toEqual([
      [A, 'valid'],
      [B, 'valid'],
      [C, 'valid'],
    ]);
    expect(body.text).toContain(B);
    expect((await api.call('GET', '/api/cluster/member-status')).body.members).toEqual(body.members);
  });

  it('needs the admin token', async () => {
    expect((await api.call('GET', '/api/cluster/status', undefined, null)).status).toBe(401);
    expect((await api.call('POST', '/api/cluster/down', { node: C }, 'wrong')).status).toBe(401);
    expect(membership.calls).toEqual([]);
  });

  it('validates bodies before anything runs: 400 naming the field, unknown fields refused', async () => {
    const bad = await api.call('POST', '/api/cluster/join', { target: 'no port' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/target must be host:port/);
    expect((await api.call('POST', '/api/cluster/down', { node: C, extra: 1 })).status).toBe(400);
    expect((await api.call('POST', '/api/cluster/staged/replace', { node: B })).status).toBe(400);
    expect(membership.calls).toEqual([]);
  });

  it('delegates each route to the membership service and answers its text', async () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/api/cluster/join', { target: TARGET }],
      ['POST', '/api/cluster/staged/join', { target: TARGET }],
      ['POST', '/api/cluster/staged/leave', {}],
      ['POST', '/api/cluster/staged/leave', { node: B }],
      ['POST', '/api/cluster/staged/force-remove', { node: C }],
      ['POST', '/api/cluster/staged/replace', { node: C, replacement: 'd@127.0.0.1' }],
      ['GET', '/api/cluster/plan', undefined],
      ['POST', '/api/cluster/commit', undefined],
      ['POST', '/api/cluster/clear', undefined],
      ['POST', '/api/cluster/leave', undefined],
      ['POST', '/api/cluster/down', { node: C }],
    ];
    const texts: unknown[] = [];
    for (const [method, url, body] of routes) {
      const res = await api.call(method as 'GET' | 'POST', url, body);
      expect([url, res.status]).toEqual([url, 200]);
      texts.push(res.body.text);
    }
    expect(membership.calls).toEqual([
      { join: TARGET, auto: true },
      { join: TARGET, auto: false },
      { op: 'stage', change: { kind: 'leave', node: A } },
      { op: 'stage', change: { kind: 'leave', node: B } },
      { op: 'stage', change: { kind: 'force-remove', node: C } },
      { op: 'stage', change: { kind: 'replace', node: C, replacement: 'd@127.0.0.1' } },
      { op: 'plan' },
      { op: 'commit' },
      { op: 'clear' },
      { op: 'leave', node: A },
      { down: C },
    ]);
    expect(texts.slice(0, 3)).toEqual([`joined ${TARGET}`, `joined ${TARGET}`, 'did stage']);
  });

  it("answers a refusal as JSON with its code: 409, or 502 when a node is unreachable", async () => {
    membership.refuse = new ClusterRefusal('nothing-staged', 'There are no staged changes');
    expect(await api.call('POST', '/api/cluster/commit')).toEqual({ status: 409, body: { error: { code: 'nothing-staged', message: 'There are no staged changes' } } });
    membership.refuse = new ClusterRefusal('unreachable', `Node ${addrOf(B)} is not reachable!`);
    const res = await api.call('POST', '/api/cluster/join', { target: TARGET });
    expect([res.status, res.body.error?.code]).toEqual([502, 'unreachable']);
  });
});
