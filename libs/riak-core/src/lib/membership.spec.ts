import fc from 'fast-check';
import { RingSize, ringSize } from './chash';
import { canonicalJson } from './mvreg';
import {
  MembershipResult,
  checkCommit,
  checkLeave,
  clearStaged,
  planId,
  isAlone,
  joinCluster,
  markDown,
  messages,
  stageChange,
} from './membership';
import { Member, MemberStatus, NodeName, Ring, StagedChange, adoptRing, markSeen, freshRing, memberOf, ownershipOf, ringReady, ringsEqual, setMember } from './ring';
import { n } from '../testing/names';

const D1 = n('dev1@127.0.0.1');
const D2 = n('dev2@127.0.0.1');
const D3 = n('dev3@127.0.0.1');
const Q64 = ringSize(64);

function fresh(node: NodeName, opts: { q?: RingSize; app?: string; clusterId?: string } = {}): Ring {
  return freshRing({
    app: opts.app ?? 'api',
    clusterId: opts.clusterId ?? `cluster-of-${node}`,
    ringSize: opts.q ?? Q64,
    node,
    addr: `${node}:9000`,
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

function expectRefused(res: MembershipResult, code: string, message: string): void {
  expect(res).toEqual({ kind: 'refused', code, message });
}

function changed(res: MembershipResult): Ring {
  if (res.kind !== 'changed') throw new Error(`expected a change, got ${res.message}`);
  return res.ring;
}

/** dev1's cluster with the given other members (written by dev1). */
function cluster(others: [NodeName, MemberStatus][], autoJoin = false): Ring {
  let r = fresh(D1, { clusterId: 'c1' });
  for (const [n, status] of others) r = setMember(r, D1, n, { status, addr: `${n}:9000`, autoJoin });
  return r;
}

describe('joinCluster', () => {
  it('refuses to join itself', () => {
    const own = deepFreeze(fresh(D1));
    const before = canonicalJson(own);
    const res = joinCluster({ own, target: own, targetNode: D1, self: D1, selfAddr: 'x', auto: true });
    expectRefused(res, 'self-join', 'Failed: This node cannot join itself in a cluster');
    expect(canonicalJson(own)).toBe(before);
  });

  it('refuses a target with a different ring_creation_size', () => {
    const own = deepFreeze(fresh(D2));
    const target = deepFreeze(fresh(D1, { q: ringSize(128) }));
    const res = joinCluster({ own, target, targetNode: D1, self: D2, selfAddr: 'x', auto: true });
    expectRefused(res, 'ring-size', `Failed: ${D1} has a different ring_creation_size`);
  });

  it('refuses a target of another app', () => {
    const own = deepFreeze(fresh(D2));
    const target = deepFreeze(fresh(D1, { app: 'chat' }));
    const res = joinCluster({ own, target, targetNode: D1, self: D2, selfAddr: 'x', auto: true });
    expectRefused(res, 'different-app', `Failed: ${D1} is a node of a 'chat' cluster and this node is a 'api' node`);
  });

  it('refuses when this node is already a member of a cluster', () => {
    const own = deepFreeze(setMember(fresh(D2), D2, D3, { status: 'valid', addr: 'y', autoJoin: false }));
    const target = deepFreeze(fresh(D1));
    const res = joinCluster({ own, target, targetNode: D1, self: D2, selfAddr: 'x', auto: false });
    expectRefused(res, 'already-member', 'Failed: This node is already a member of a cluster');
    // a joining or down peer counts too; only removed ones do not
    for (const status of ['joining', 'down', 'leaving', 'exiting'] as const) {
      const o = setMember(fresh(D2), D2, D3, { status, addr: 'y', autoJoin: false });
      expect(isAlone(o, D2)).toBe(false);
      expect(joinCluster({ own: o, target, targetNode: D1, self: D2, selfAddr: 'x', auto: false }).kind).toBe('refused');
    }
    const alone = setMember(fresh(D2), D2, D3, { status: 'removed', addr: 'y', autoJoin: false });
    expect(isAlone(alone, D2)).toBe(true);
  });

  it.each([true, false])('joins as a joining member of the target cluster (auto=%p)', (auto) => {
    const own = deepFreeze(fresh(D2, { clusterId: 'mine' }));
    const target = deepFreeze(fresh(D1, { clusterId: 'theirs' }));
    const res = joinCluster({ own, target, targetNode: D1, self: D2, selfAddr: '127.0.0.1:9001', auto });
    expect(res.kind).toBe('changed');
    expect(res.message).toBe(`Success: staged join request for '${D2}' to '${D1}'`);
    const r = changed(res);
    expect(r.clusterId).toBe('theirs');
    expect(r.app).toBe('api');
    expect(memberOf(r, D2)).toEqual({ status: 'joining', addr: '127.0.0.1:9001', autoJoin: auto });
    expect(memberOf(r, D1)).toEqual(memberOf(target, D1));
    expect(ownershipOf(r)).toEqual(ownershipOf(target));
    // the joining node has seen the ring it made; the target has not yet
    expect(ringReady(r)).toEqual({ ready: false, notSeen: [D1] });
  });
});

describe('stageChange refusals', () => {
  const kinds = ['leave', 'force-remove'] as const;

  it.each(kinds)('%s of the only member is refused', (kind) => {
    const r = deepFreeze(fresh(D1));
    expectRefused(stageChange(r, D1, { kind, node: D1 }), 'only-member', `Failed: '${D1}' is the only member.`);
    // joining members do not count as other members
    const j = deepFreeze(cluster([[D2, 'joining']]));
    expectRefused(stageChange(j, D1, { kind, node: D1 }), 'only-member', `Failed: '${D1}' is the only member.`);
  });

  it.each(kinds)('%s of a non-member is refused', (kind) => {
    const r = deepFreeze(cluster([[D2, 'valid'], [n('gone@h'), 'removed']]));
    const before = canonicalJson(r);
    expectRefused(stageChange(r, D1, { kind, node: D3 }), 'not-member', `Failed: "${D3}" is not a member of the cluster.`);
    expectRefused(stageChange(r, D1, { kind, node: n('gone@h') }), 'not-member', 'Failed: "gone@h" is not a member of the cluster.');
    expect(canonicalJson(r)).toBe(before);
  });

  it('replace refuses a replacement that is not a member, or not joining', () => {
    const r = deepFreeze(cluster([[D2, 'valid']]));
    expectRefused(stageChange(r, D1, { kind: 'replace', node: D2, replacement: D3 }), 'not-member', `Failed: "${D3}" is not a member of the cluster.`);
    expectRefused(stageChange(r, D1, { kind: 'replace', node: D3, replacement: D2 }), 'not-member', `Failed: "${D3}" is not a member of the cluster.`);
    expectRefused(
      stageChange(r, D1, { kind: 'replace', node: D2, replacement: D1 }),
      'not-joining',
      `Failed: '${D1}' is not a joining member of the cluster.`,
    );
  });

  it('a staged join needs a joining member', () => {
    const r = deepFreeze(cluster([[D2, 'valid']]));
    expectRefused(stageChange(r, D1, { kind: 'join', node: D2 }), 'not-joining', `Failed: '${D2}' is not a joining member of the cluster.`);
  });
});

describe('stageChange successes', () => {
  it('stages a leave on the ownership register without changing statuses', () => {
    const r = cluster([[D2, 'valid']]);
    const res = stageChange(r, D1, { kind: 'leave', node: D2 });
    expect(res.message).toBe(`Success: staged leave request for '${D2}'`);
    const n = changed(res);
    expect(ownershipOf(n).staged).toEqual([{ kind: 'leave', node: D2 }]);
    expect(memberOf(n, D2)?.status).toBe('valid');
    expect(ownershipOf(n).owners).toEqual(ownershipOf(r).owners);
    expect(ownershipOf(n).epoch).toBe(ownershipOf(r).epoch);
  });

  it('stages force-remove and replace; a later change for the same node replaces the earlier one', () => {
    let r = cluster([
      [D2, 'valid'],
      [D3, 'joining'],
    ]);
    let res = stageChange(r, D1, { kind: 'force-remove', node: D2 });
    expect(res.message).toBe(`Success: staged remove request for '${D2}'`);
    r = changed(res);
    res = stageChange(r, D1, { kind: 'replace', node: D2, replacement: D3 });
    expect(res.message).toBe(`Success: staged replacement of '${D2}' with '${D3}'`);
    r = changed(res);
    expect(ownershipOf(r).staged).toEqual([{ kind: 'replace', node: D2, replacement: D3 }]);
    res = stageChange(r, D1, { kind: 'join', node: D3 });
    expect(res.message).toBe(`Success: staged join request for '${D3}'`);
    expect(ownershipOf(changed(res)).staged).toEqual([
      { kind: 'replace', node: D2, replacement: D3 },
      { kind: 'join', node: D3 },
    ]);
  });

  it('the leave success text', () => {
    expect(messages.leaving(D2)).toBe(`Success: '${D2}' is leaving the cluster`);
    expect(messages.unreachable('127.0.0.1:9005')).toBe('Node 127.0.0.1:9005 is not reachable!');
  });
});

describe('markDown', () => {
  it('refuses a node that is up', () => {
    const r = deepFreeze(cluster([[D2, 'valid']]));
    expectRefused(markDown(r, D1, D2, true), 'is-up', `Failed: ${D2} is up`);
  });

  it('refuses a non-member', () => {
    const r = deepFreeze(cluster([[D2, 'valid'], [D3, 'removed']]));
    expectRefused(markDown(r, D1, D3, false), 'not-member', `Failed: "${D3}" is not a member of the cluster.`);
    expectRefused(markDown(r, D1, n('x@y'), false), 'not-member', 'Failed: "x@y" is not a member of the cluster.');
  });

  it('marks an unreachable member down, and is idempotent', () => {
    const r = cluster([[D2, 'valid']]);
    const res = markDown(r, D1, D2, false);
    expect(res.message).toBe(`Success: "${D2}" marked as down`);
    const d = changed(res);
    expect(memberOf(d, D2)).toEqual({ status: 'down', addr: `${D2}:9000`, autoJoin: false, beforeDown: 'valid' });
    expect(ownershipOf(d)).toEqual(ownershipOf(r));
    const again = markDown(d, D1, D2, false);
    expect(again.message).toBe(`Success: "${D2}" marked as down`);
    expect(changed(again)).toBe(d);
  });

  it('a node marked down takes back the status it had when it returns: leaving goes on leaving, joining is still joining', () => {
    for (const status of ['valid', 'leaving', 'joining'] as const) {
      const r = cluster([[D2, status]]);
      const d = changed(markDown(r, D1, D2, false));
      expect(memberOf(d, D2)?.status).toBe('down');
      const back = adoptRing(d, D2);
      expect(memberOf(back, D2)).toEqual({ status, addr: `${D2}:9000`, autoJoin: false });
    }
    // a ring from before this field existed: the node comes back valid
    const old = setMember(cluster([[D2, 'valid']]), D1, D2, { status: 'down', addr: `${D2}:9000`, autoJoin: false });
    expect(memberOf(adoptRing(old, D2), D2)?.status).toBe('valid');
  });

  // The node runtime (ring-manager.transact, gossip) drops a new ring that ringsEqual the old one,
  // so a down-marking must be visible to ringsEqual, whatever the claimant wrote before.
  it('marking down is a change ringsEqual sees, after earlier ownership decisions too', () => {
    let r = cluster([[D2, 'valid']]);
    r = changed(stageChange(r, D1, { kind: 'leave', node: D2 }));
    r = changed(clearStaged(r, D1));
    const d = changed(markDown(r, D1, D2, false));
    expect(memberOf(d, D2)?.status).toBe('down');
    expect(ringsEqual(d, r)).toBe(false);
  });
});

describe('checkCommit and checkLeave', () => {
  /** dev1 and dev2, both having seen the ring, with dev2's leave staged. */
  function staged(): Ring {
    const r = markSeen(markSeen(cluster([[D2, 'valid']]), D1), D2);
    return changed(stageChange(r, D1, { kind: 'leave', node: D2 }));
  }

  it('allows a commit of the plan shown on a ready ring (staging alone keeps the ring ready)', () => {
    const r = staged();
    expect(ringReady(r).ready).toBe(true);
    expect(checkCommit(r, planId(r))).toBeUndefined();
    expect(checkLeave(r)).toBeUndefined();
  });

  it('refuses with nothing staged', () => {
    const r = markSeen(cluster([[D2, 'valid']]), D2);
    expect(checkCommit(r, planId(r))).toEqual({ kind: 'refused', code: 'nothing-staged', message: messages.nothingStaged() });
  });

  it('refuses plan-changed without a plan, or when the staged changes changed since', () => {
    const r = staged();
    const planChanged = { kind: 'refused', code: 'plan-changed', message: "Unable to commit cluster changes. Plan changed; run 'ringnest cluster plan' again." };
    expect(checkCommit(r, undefined)).toEqual(planChanged);
    const shown = planId(r);
    const more = changed(stageChange(r, D1, { kind: 'force-remove', node: D2 }));
    expect(checkCommit(more, shown)).toEqual(planChanged);
    const cleared = changed(clearStaged(r, D1));
    const again = changed(stageChange(cleared, D1, { kind: 'leave', node: D2 }));
    expect(checkCommit(again, shown)).toBeUndefined();
  });

  it('refuses ring-not-ready when a member has not seen the current ring, for a commit and a leave', () => {
    const r = staged();
    const unseen = setMember(r, D1, D3, { status: 'valid', addr: `${D3}:9000`, autoJoin: false });
    expect(ringReady(unseen).ready).toBe(false);
    expect(checkCommit(unseen, planId(unseen))).toEqual({
      kind: 'refused',
      code: 'ring-not-ready',
      message: 'Unable to commit cluster changes: the cluster is not ready (ring not ready); try again',
    });
    expect(checkLeave(unseen)).toEqual({
      kind: 'refused',
      code: 'ring-not-ready',
      message: 'Unable to leave the cluster: the cluster is not ready (ring not ready); try again',
    });
  });
});

describe('clearStaged', () => {
  it('drops staged changes and staged (non-auto) joins, keeps auto joins', () => {
    let r = cluster([[D2, 'valid']]);
    r = setMember(r, D3, D3, { status: 'joining', addr: 'a', autoJoin: false });
    r = setMember(r, n('dev4@127.0.0.1'), n('dev4@127.0.0.1'), { status: 'joining', addr: 'b', autoJoin: true });
    r = changed(stageChange(r, D1, { kind: 'leave', node: D2 }));
    expect(ownershipOf(r).staged).toHaveLength(1);
    const res = clearStaged(r, D1);
    expect(res.message).toBe('Cleared staged cluster changes');
    const c = changed(res);
    expect(ownershipOf(c).staged).toEqual([]);
    expect(memberOf(c, D3)?.status).toBe('removed');
    expect(memberOf(c, n('dev4@127.0.0.1'))?.status).toBe('joining');
    expect(memberOf(c, D2)?.status).toBe('valid');
    expect(ownershipOf(c).owners).toEqual(ownershipOf(r).owners);
  });
});

describe('refusals never change the ring (property)', () => {
  const NAMES = [D1, D2, D3, n('dev4@127.0.0.1')];
  const STATUSES: MemberStatus[] = ['joining', 'valid', 'leaving', 'exiting', 'down', 'removed'];
  const arbRing = fc
    .array(fc.tuple(fc.constantFrom(...NAMES.slice(1)), fc.constantFrom(...STATUSES), fc.boolean()), { maxLength: 5 })
    .map((writes) => {
      let r = fresh(D1, { clusterId: 'c1' });
      for (const [name, status, autoJoin] of writes) r = setMember(r, D1, name, { status, addr: `${name}:1`, autoJoin } satisfies Member);
      return deepFreeze(r);
    });
  const arbChange: fc.Arbitrary<StagedChange> = fc.oneof(
    fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const, 'force-remove' as const), node: fc.constantFrom(...NAMES, n('x@y')) }),
    fc.record({ kind: fc.constant('replace' as const), node: fc.constantFrom(...NAMES), replacement: fc.constantFrom(...NAMES) }),
  );

  it('stageChange: refused iff a precondition fails, input untouched', () => {
    fc.assert(
      fc.property(arbRing, arbChange, (r, c) => {
        const before = canonicalJson(r);
        const res = stageChange(r, D1, c);
        expect(canonicalJson(r)).toBe(before);
        const m = memberOf(r, c.node);
        if (!m || m.status === 'removed') {
          expectRefused(res, 'not-member', messages.notMember(c.node));
        } else if (res.kind === 'changed') {
          expect(ownershipOf(res.ring).staged.at(-1)).toEqual(c);
        } else {
          expect(['only-member', 'not-joining', 'not-member']).toContain(res.code);
          expect(res).not.toHaveProperty('ring');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('markDown: refused for up nodes and non-members, input untouched', () => {
    fc.assert(
      fc.property(arbRing, fc.constantFrom(...NAMES, n('x@y')), fc.boolean(), (r, node, up) => {
        const before = canonicalJson(r);
        const res = markDown(r, D1, node, up);
        expect(canonicalJson(r)).toBe(before);
        const m = memberOf(r, node);
        if (!m || m.status === 'removed') expectRefused(res, 'not-member', messages.notMember(node));
        else if (up) expectRefused(res, 'is-up', messages.isUp(node));
        else expect(memberOf(changed(res), node)?.status).toBe('down');
      }),
      { numRuns: 1000 },
    );
  });
});
