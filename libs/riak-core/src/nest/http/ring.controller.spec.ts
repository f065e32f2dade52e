import { markSeen, ownershipOf, partitionId, setMember, setOwnership } from '../../lib';
import type { NodeWatcher } from '../membership/node-watcher.service';
import { RingController } from './ring.controller';
import { A, B, C, fakeLiveness, ringManager, ringOf } from '../../../test/provider-fakes';
import { n, p } from '../../testing/names';

/** Node a's ring controller: a owns the even partitions, b the odd ones, c is a member owning none. */
function controllerOf(opts: { down?: string[]; serviceUp?: string[] } = {}) {
  let ring = ringOf([A, B, C]);
  ring = setOwnership(ring, A, { ...ownershipOf(ring), owners: ownershipOf(ring).owners.map((_, i) => (i % 2 === 0 ? A : B)), next: [{ index: p(1), from: B, to: C, status: 'awaiting' }] });
  ring = [A, B, C].reduce(markSeen, ring);
  const rings = ringManager(A, ring);
  const liveness = fakeLiveness(rings, opts.down);
  const asked: string[] = [];
  const watcher = {
    upNodes: (service: string) => {
      asked.push(service);
      return new Set(opts.serviceUp ?? []);
    },
  } as unknown as NodeWatcher;
  return { rings, asked, controller: new RingController(rings, liveness, watcher) };
}

describe('RingController (admin API of the ring)', () => {
  it('ring: the owner of every partition by id, and the pending transfers', () => {
    const { controller } = controllerOf();
    const r = controller.ring();
    expect(r.ringSize).toBe(8);
    expect(r.owners.map((o) => o.node)).toEqual([A, B, A, B, A, B, A, B]);
    expect(r.owners[3]).toEqual({ index: 3, partition: partitionId(p(3), 8).toString(), node: B });
    expect(r.next).toEqual([{ index: 1, from: B, to: C, status: 'awaiting' }]);
  });

  it("ring-status and ringready: the claimant, whether every member has seen the ring, who is unreachable", () => {
    const { rings, controller } = controllerOf();
    expect(controller.ringStatus()).toMatchObject({ claimant: A, ringReady: true, unreachable: [], transfers: [{ index: 1 }] });
    expect(controller.ringready()).toMatchObject({ ready: true, nodes: [A, B, C] });
    rings.transact((r) => ({ kind: 'new-ring', ring: setMember(r, A, n('d@127.0.0.1'), { status: 'joining', addr: 'addr-d', autoJoin: false }) }));
    expect(controller.ringStatus().ringReady).toBe(false);
    const unseen = controller.ringready();
    expect(unseen.ready).toBe(false);
    expect(unseen.text).toMatch(/b@127\.0\.0\.1/);
  });

  it('ringready is false while a member is unreachable, naming it; ring-status lists it', () => {
    const { controller } = controllerOf({ down: [C] });
    expect(controller.ringStatus()).toMatchObject({ ringReady: true, unreachable: [C] });
    const r = controller.ringready();
    expect(r.ready).toBe(false);
    expect(r.text).toMatch(/c@127\.0\.0\.1/);
  });

  it('preflist: the primaries of a key, and fallbacks in place of primaries that are down (for a service, by its own view)', () => {
    const { controller, asked } = controllerOf();
    const all = controller.preflist({ bucket: 'b', key: 'k', n: 3 });
    expect(all.entries).toHaveLength(3);
    expect(all.entries.every((e) => e.type === 'primary')).toBe(true);
    expect(all.entries.map((e) => e.partition)).toEqual(all.entries.map((e) => partitionId(e.index, 8).toString()));
    expect(all.text.split('\n')).toHaveLength(3);
    const onlyB = controllerOf({ serviceUp: [B] });
    const forService = onlyB.controller.preflist({ bucket: 'b', key: 'k', n: 3, service: 'kv' });
    expect(onlyB.asked).toEqual(['kv']);
    expect(forService.entries.every((e) => e.node === B)).toBe(true);
    expect(forService.entries.find((e) => e.index === 1)?.type).toBe('primary');
    expect(forService.entries.some((e) => e.type === 'fallback')).toBe(true);
    expect(asked).toEqual([]);
  });
});
