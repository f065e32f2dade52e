import { Logger } from '@nestjs/common';
import { NodeName, Ring, memberOf, ringBytes, setMember, stagedChanges } from '../../lib';
import { ClusterRequestError } from '../transport';
import { Patterns } from '../transport/patterns';
import type { GossipService } from '../ring/gossip.service';
import { ClusterRefusal } from './cluster-refusal.exception';
import { MembershipService } from './membership.service';
import { A, B, C, QUIET, SentRequest, addrOf, fakeLiveness, nodeConfig, recordingClient, ringManager, ringOf } from '../../../test/provider-fakes';
import { n } from '../../testing/names';

/** Node `self`'s membership service over `ring` (a fresh ring of its own when absent). */
function membershipOf(self: NodeName, ring?: Ring, opts: { answer?: (req: SentRequest) => unknown; down?: string[]; pushFails?: boolean } = {}) {
  const rings = ringManager(self, ring);
  const liveness = fakeLiveness(rings, opts.down);
  const client = recordingClient(opts.answer);
  const pushed: string[] = [];
  const gossip = {
    pushTo: async (addr: string) => {
      pushed.push(addr);
      if (opts.pushFails) throw new Error('gone');
    },
  } as unknown as GossipService;
  const service = new MembershipService(nodeConfig(self), QUIET, client, rings, liveness, gossip);
  return { rings, client, pushed, service };
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ClusterRefusal> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof ClusterRefusal) return err;
    throw err;
  }
  throw new Error('expected a ClusterRefusal');
}

describe('MembershipService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('join', () => {
    const cluster = ringOf([B, C]);
    const answer = (req: SentRequest) => (req.pattern === Patterns.ringGet ? { node: B, ring: ringBytes(cluster) } : {});

    it("fetches the target's ring, adopts it with this node joining, and announces the join to the target", async () => {
      const m = membershipOf(A, undefined, { answer });
      expect(await m.service.join(addrOf(B), true)).toMatch(/a@127\.0\.0\.1/);
      expect(m.client.sent.map((r) => [r.addr, r.pattern])).toEqual([[addrOf(B), Patterns.ringGet]]);
      expect(m.rings.current.clusterId).toBe(cluster.clusterId);
      expect(memberOf(m.rings.current, A)).toMatchObject({ status: 'joining', addr: addrOf(A), autoJoin: true });
      expect(m.pushed).toEqual([addrOf(B)]);
    });

    it('a staged join waits for a commit; a join whose announcement fails is still made (gossip retries)', async () => {
      const m = membershipOf(A, undefined, { answer, pushFails: true });
      await m.service.join(addrOf(B), false);
      expect(memberOf(m.rings.current, A)).toMatchObject({ status: 'joining', autoJoin: false });
    });

    it('refuses to join itself, an unreachable target, and a second cluster; a refusal of the target passes through', async () => {
      expect((await refusal(membershipOf(A).service.join(addrOf(A), true))).code).toBe('self-join');
      const unreachable = membershipOf(A, undefined, { answer: () => { throw new ClusterRequestError('unreachable', 'connect ECONNREFUSED'); } });
      expect(await refusal(unreachable.service.join(addrOf(B), true))).toMatchObject({ code: 'unreachable', message: `Node ${addrOf(B)} is not reachable!` });
      const member = membershipOf(A, ringOf([A, C], 'own'), { answer });
      expect((await refusal(member.service.join(addrOf(B), true))).code).toBe('already-member');
      expect(member.rings.current.clusterId).toBe('own');
      const remote = membershipOf(A, undefined, { answer: () => { throw new ClusterRequestError('remote', 'bad secret', 'unauthorized'); } });
      await expect(remote.service.join(addrOf(B), true)).rejects.toMatchObject({ code: 'remote', remoteCode: 'unauthorized' });
    });
  });

  describe('onClaimant (staged changes, wherever the claimant is)', () => {
    it('runs on this node when it is the claimant', async () => {
      const m = membershipOf(A, ringOf([A, B, C]));
      expect(await m.service.onClaimant({ op: 'stage', change: { kind: 'leave', node: C } })).toMatch(/staged leave/);
      expect(stagedChanges(m.rings.current)).toEqual([{ kind: 'leave', node: C }]);
      expect(m.client.sent).toEqual([]);
    });

    it("is forwarded to the claimant's address otherwise, answering with its text", async () => {
      const m = membershipOf(B, ringOf([A, B, C]), { answer: () => ({ text: 'Success: staged leave request' }) });
      const op = { op: 'stage', change: { kind: 'leave', node: C } } as const;
      expect(await m.service.onClaimant(op)).toBe('Success: staged leave request');
      expect(m.client.sent.map((r) => [r.addr, r.pattern, r.data])).toEqual([[addrOf(A), Patterns.claimantStage, op]]);
      expect(stagedChanges(m.rings.current)).toEqual([]);
    });

    it("keeps the claimant's refusal code, and refuses with 'unreachable' when the claimant cannot be reached", async () => {
      const refused = membershipOf(B, ringOf([A, B, C]), { answer: () => { throw new ClusterRequestError('remote', 'There are no staged changes', 'nothing-staged'); } });
      expect(await refusal(refused.service.onClaimant({ op: 'commit' }))).toMatchObject({ code: 'nothing-staged', message: 'There are no staged changes' });
      const gone = membershipOf(B, ringOf([A, B, C]), { answer: () => { throw new ClusterRequestError('timeout', 'no answer'); } });
      expect((await refusal(gone.service.onClaimant({ op: 'plan' }))).code).toBe('unreachable');
    });
  });

  describe('claimantOp', () => {
    it('commits only the plan shown last, and only a staged one', async () => {
      const m = membershipOf(A, ringOf([A, B, C]));
      expect((await refusal(() => m.service.claimantOp({ op: 'commit' }))).code).toBe('nothing-staged');
      m.service.claimantOp({ op: 'stage', change: { kind: 'leave', node: C } });
      expect((await refusal(() => m.service.claimantOp({ op: 'commit' }))).code).toBe('plan-changed');
      expect(m.service.claimantOp({ op: 'plan' })).toMatch(/leave/);
      m.service.claimantOp({ op: 'stage', change: { kind: 'leave', node: B } });
      expect((await refusal(() => m.service.claimantOp({ op: 'commit' }))).code).toBe('plan-changed');
      m.service.claimantOp({ op: 'plan' });
      expect(m.service.claimantOp({ op: 'commit' })).toBe('Cluster changes committed');
      expect([memberOf(m.rings.current, B)?.status, memberOf(m.rings.current, C)?.status]).toEqual(['leaving', 'leaving']);
      expect(stagedChanges(m.rings.current)).toEqual([]);
    });

    it('clear drops the staged changes', () => {
      const m = membershipOf(A, ringOf([A, B, C]));
      m.service.claimantOp({ op: 'stage', change: { kind: 'leave', node: C } });
      m.service.claimantOp({ op: 'clear' });
      expect(stagedChanges(m.rings.current)).toEqual([]);
    });

    it('leave starts at once on a ready ring, and is refused while a member has not seen the ring', async () => {
      const m = membershipOf(A, ringOf([A, B, C]));
      expect(m.service.claimantOp({ op: 'leave', node: C })).toMatch(/c@127\.0\.0\.1/);
      expect(memberOf(m.rings.current, C)?.status).toBe('leaving');
      const unready = membershipOf(A, setMember(ringOf([A, B, C]), A, n('d@127.0.0.1'), { status: 'valid', addr: 'addr-d', autoJoin: false }));
      expect((await refusal(() => unready.service.claimantOp({ op: 'leave', node: C }))).code).toBe('ring-not-ready');
    });
  });

  it('down marks an unreachable member down and refuses a reachable one', async () => {
    const m = membershipOf(A, ringOf([A, B, C]), { down: [C] });
    expect((await refusal(() => m.service.down(B))).message).toMatch(/b@127\.0\.0\.1/);
    expect(memberOf(m.rings.current, B)?.status).toBe('valid');
    m.service.down(C);
    expect(memberOf(m.rings.current, C)?.status).toBe('down');
  });

  it('summary names this node, its app, ring size and cluster address', () => {
    expect(membershipOf(A).service.summary()).toEqual({ node: A, app: 'test', ringSize: 8, addr: addrOf(A) });
  });
});

