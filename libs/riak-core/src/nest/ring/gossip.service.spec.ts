import { Logger } from '@nestjs/common';
import { Ring, VClock, clocksEqual, descends, markSeen, memberOf, ringBytes, ringClock, ringDigest, ringFromPayload, ringToWire, setMember } from '../../lib';
import { until } from '../../testing/until';
import { Patterns } from '../transport/patterns';
import { GossipService } from './gossip.service';
import { A, B, C, QUIET, RecordingClient, SentRequest, addrOf, fakeLiveness, nodeConfig, recordingClient, ringManager, ringOf } from '../../../test/provider-fakes';
import { n } from '../../testing/names';

/** The gossip service of node `a` over `ring`, with the runtime options and unreachable nodes given. */
function gossipOf(ring: Ring, opts: { answer?: (req: SentRequest) => unknown; down?: string[]; fanout?: number; intervalMs?: number } = {}) {
  const rings = ringManager(A, ring);
  const liveness = fakeLiveness(rings, opts.down);
  const client: RecordingClient = recordingClient(opts.answer);
  const options = { ...QUIET, gossipFanout: opts.fanout ?? 3, gossipMinIntervalMs: 1, gossipIntervalMs: opts.intervalMs ?? QUIET.gossipIntervalMs };
  const gossip = new GossipService(nodeConfig(A), options, client, rings, liveness);
  return { rings, liveness, client, gossip };
}

const D = n('d@127.0.0.1');
const ringSent = (req: SentRequest) => ringFromPayload((req.data as { ring: unknown }).ring) as Ring;

describe('GossipService', () => {
  let running: GossipService | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => {
    running?.onModuleDestroy();
    running = undefined;
  });

  describe('receive (a ring gossiped by a peer)', () => {
    it('merges a ring that is ahead: a member only the peer knew is in this node’s ring', async () => {
      const { rings, gossip } = gossipOf(ringOf([A, B]));
      const theirs = setMember(rings.current, B, C, { status: 'joining', addr: addrOf(C), autoJoin: true });
      await gossip.receive(theirs);
      expect(memberOf(rings.current, C)?.status).toBe('joining');
    });

    it('answers with its own ring when the peer lacks something, and with nothing when both agree', async () => {
      const { rings, gossip } = gossipOf(ringOf([A, B]));
      const behind = rings.current;
      rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, C, { status: 'joining', addr: addrOf(C), autoJoin: true }) }));
      const reply = await gossip.receive(behind);
      expect(reply.ring && memberOf(ringFromPayload(reply.ring) as Ring, C)?.status).toBe('joining');
      expect(await gossip.receive(rings.current)).toEqual({});
    });

    it('answers a ring it only had to adopt with what it has seen, not with its ring', async () => {
      const { rings, gossip } = gossipOf(ringOf([A, B]));
      const theirs = markSeen(setMember(rings.current, B, C, { status: 'joining', addr: addrOf(C), autoJoin: true }), B);
      const reply = await gossip.receive(theirs);
      expect(reply).toEqual({ seen: rings.current.seen[A] });
      expect(descends(reply.seen as VClock, ringClock(theirs))).toBe(true);
    });

    it('ignores the ring of another cluster', async () => {
      const { rings, gossip } = gossipOf(ringOf([A, B]));
      const before = rings.current;
      const stranger = setMember(ringOf([A, B], 'other'), A, C, { status: 'valid', addr: addrOf(C), autoJoin: false });
      expect(await gossip.receive(stranger)).toEqual({});
      expect(rings.current).toBe(before);
    });
  });

  it('pushTo sends the ring to an address and merges the ring in the reply (here sent inline, not as bytes: both are read)', async () => {
    const peerRing = setMember(ringOf([A, B]), B, C, { status: 'joining', addr: addrOf(C), autoJoin: true });
    const { rings, client, gossip } = gossipOf(ringOf([A, B]), { answer: () => ({ ring: ringToWire(peerRing) }) });
    await gossip.pushTo('addr-b');
    expect(client.sent.map((r) => [r.addr, r.pattern])).toEqual([['addr-b', Patterns.gossip]]);
    expect(memberOf(ringSent(client.sent[0]), B)?.status).toBe('valid');
    expect(memberOf(rings.current, C)?.status).toBe('joining');
  });

  it('records what a peer says it has seen when that is all its reply holds', async () => {
    const { rings, gossip } = gossipOf(ringOf([A, B]), { down: [D], fanout: 1, answer: (req) => (req.pattern === Patterns.digest ? { same: false } : { seen: rings.current.seen[A] }) });
    running = gossip;
    gossip.onModuleInit();
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, D, { status: 'joining', addr: 'addr-d', autoJoin: true }) }));
    const adopted = rings.current.seen[A];
    expect(rings.current.seen[B]).not.toEqual(adopted);
    await until('b to be recorded as having seen the decision', () => clocksEqual(rings.current.seen[B] ?? {}, adopted), 10_000);
  });

  it('pushToAll exchanges with every peer and waits for them, a failing peer included', async () => {
    const { client, gossip } = gossipOf(ringOf([A, B, C]), {
      answer: (req) => {
        if (req.addr === addrOf(C)) throw new Error('refused');
        return {};
      },
    });
    await gossip.pushToAll(1000);
    expect(client.sent.map((r) => r.addr).sort()).toEqual([addrOf(B), addrOf(C)]);
    expect(client.sent.every((r) => r.pattern === Patterns.gossip && r.opts?.timeoutMs === 1000)).toBe(true);
  });

  it('sends a decision of this node at once to its child in the gossip tree: the ring itself (the child cannot have it yet), no digest first', async () => {
    // a, b, c, d sorted: with fanout 1, a's child is b
    const { rings, liveness, client, gossip } = gossipOf(ringOf([A, B, C]), { down: [C, D], fanout: 1, answer: () => ({}) });
    running = gossip;
    gossip.onModuleInit();
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, D, { status: 'joining', addr: 'addr-d', autoJoin: true }) }));
    await until('the decision to be gossiped', () => client.sent.length >= 1, 10_000);
    expect(client.sent.map((r) => [r.addr, r.pattern])).toEqual([[addrOf(B), Patterns.gossip]]);
    expect(memberOf(ringSent(client.sent[0]), D)?.status).toBe('joining');
    await until('b to count as heard from', () => liveness.heard.includes(B), 10_000);
  });

  it('sends a decision to the children of a child that is down instead', async () => {
    // b, a's child, is down: its own child c gets the ring
    const { rings, client, gossip } = gossipOf(ringOf([A, B, C]), { down: [B, D], fanout: 1, answer: () => ({}) });
    running = gossip;
    gossip.onModuleInit();
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, D, { status: 'joining', addr: 'addr-d', autoJoin: true }) }));
    await until('the decision to be gossiped', () => client.sent.length >= 1, 10_000);
    expect(client.sent.map((r) => [r.addr, r.pattern])).toEqual([[addrOf(C), Patterns.gossip]]);
  });

  it('asks a random peer every interval whether its ring has our digest: a few bytes while both agree', async () => {
    const { rings, client, gossip } = gossipOf(ringOf([A, B]), { intervalMs: 20, answer: () => ({ same: true }) });
    running = gossip;
    gossip.onModuleInit();
    await until('three periodic digests', () => client.sent.length >= 3, 10_000);
    expect(new Set(client.sent.map((r) => `${r.addr} ${r.pattern}`))).toEqual(new Set([`${addrOf(B)} ${Patterns.digest}`]));
    expect(client.sent[0].data).toEqual({ clusterId: rings.current.clusterId, digest: ringDigest(rings.current) });
  });

  it('repairs by digest: a peer that differs gets our ring, and its ring in the reply is merged', async () => {
    const base = ringOf([A, B]);
    // the peer knows of c joining; this node knows of d joining: each lacks the other's change
    const peerRing = setMember(base, B, C, { status: 'joining', addr: addrOf(C), autoJoin: true });
    const { rings, client, gossip } = gossipOf(setMember(base, A, D, { status: 'joining', addr: 'addr-d', autoJoin: true }), {
      intervalMs: 20,
      answer: (req) => (req.pattern === Patterns.digest ? { same: false } : { ring: ringBytes(peerRing) }),
    });
    running = gossip;
    gossip.onModuleInit();
    await until('the exchange that follows the digest', () => memberOf(rings.current, C) !== undefined, 10_000);
    expect(memberOf(rings.current, C)?.status).toBe('joining');
    const pushed = ringSent(client.sent.find((r) => r.pattern === Patterns.gossip) as SentRequest);
    expect(memberOf(pushed, D)?.status).toBe('joining');
  });

  it('receiveDigest says whether our ring has that digest, and nothing for another cluster', () => {
    const { rings, gossip } = gossipOf(ringOf([A, B]));
    const behind = rings.current;
    expect(gossip.receiveDigest(rings.current.clusterId, ringDigest(rings.current))).toEqual({ same: true });
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, C, { status: 'joining', addr: addrOf(C), autoJoin: true }) }));
    expect(gossip.receiveDigest(rings.current.clusterId, ringDigest(behind))).toEqual({ same: false });
    expect(gossip.receiveDigest('another cluster', ringDigest(rings.current))).toEqual({});
  });

  it('receiveSeen records the ring clock a peer has adopted, and ignores an older report', () => {
    const { rings, gossip } = gossipOf(ringOf([A, B]));
    const older = rings.current.seen[B];
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, C, { status: 'joining', addr: addrOf(C), autoJoin: true }) }));
    const newest = rings.current.seen[A];
    gossip.receiveSeen(rings.current.clusterId, B, newest);
    expect(rings.current.seen[B]).toEqual(newest);
    gossip.receiveSeen(rings.current.clusterId, B, older);
    expect(rings.current.seen[B]).toEqual(newest);
    gossip.receiveSeen('another cluster', C, newest);
    expect(rings.current.seen[C]).toBeUndefined();
  });
});
