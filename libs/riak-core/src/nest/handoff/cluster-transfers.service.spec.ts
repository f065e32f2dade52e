import { NodeName, PartitionIndex, Ring, TransferView, freshRing, markSeen, ownershipOf, ringSize, setMember, setOwnership } from '../../lib';
import type { ClusterClient, ClusterRequestOptions } from '../transport';
import type { RingManager } from '../ring/ring-manager.service';
import { Patterns } from '../transport/patterns';
import type { HandoffManager } from './handoff-manager.service';
import { ClusterTransfersService } from './cluster-transfers.service';
import { n, p } from '../../testing/names';

const A = n('a@127.0.0.1');
const B = n('b@127.0.0.1');
const C = n('c@127.0.0.1');

function ring(): Ring {
  let r = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'addr-a' });
  for (const n of [B, C]) r = setMember(r, A, n, { status: 'valid', addr: `addr-${n[0]}`, autoJoin: false });
  r = setOwnership(r, A, {
    ...ownershipOf(r),
    epoch: 2,
    next: [
      { index: p(1), from: A, to: B, status: 'awaiting' },
      { index: p(2), from: B, to: C, status: 'awaiting' },
      { index: p(3), from: C, to: A, status: 'awaiting' },
    ],
  });
  for (const n of [A, B, C]) r = markSeen(r, n);
  return r;
}

const active = (index: PartitionIndex, from: NodeName, to: NodeName): TransferView => ({
  service: 'kv',
  index,
  partition: String(index),
  type: 'ownership',
  from,
  to,
  status: 'active',
  items: 3,
  bytes: 30,
  total: 6,
  rate: 1,
  progress: 0.5,
});

describe('ClusterTransfersService', () => {
  it("merges the members' running handoffs with its own; a member that never answers is unreachable after the timeout", async () => {
    const asked: { addr: string; pattern: string; opts?: ClusterRequestOptions }[] = [];
    const client = {
      request: (addr: string, pattern: string, _data: unknown, opts?: ClusterRequestOptions) => {
        asked.push({ addr, pattern, opts });
        if (addr === 'addr-b') return Promise.resolve({ node: B, transfers: [active(p(2), B, C)] });
        // c is frozen: the transport gives up after timeoutMs
        return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), opts?.timeoutMs));
      },
    } as unknown as ClusterClient;
    const rings = { current: ring(), self: A } as unknown as RingManager;
    const handoff = { running: () => [active(p(1), A, B)] } as unknown as HandoffManager;
    const service = new ClusterTransfersService(rings, handoff, client);

    const started = Date.now();
    const view = await service.transfers(50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(asked.map((a) => [a.addr, a.pattern, a.opts?.timeoutMs]).sort()).toEqual([
      ['addr-b', Patterns.handoffTransfers, 50],
      ['addr-c', Patterns.handoffTransfers, 50],
    ]);
    expect(view.transfers.map((t) => [t.index, t.from, t.status])).toEqual([
      [1, A, 'active'],
      [2, B, 'active'],
      [3, C, 'waiting'],
    ]);
    expect(view.unreachable).toEqual([C]);
  });

  describe('unownedAnywhere (may a delete of these partitions be reaped?)', () => {
    /** A cluster of a, b, c with no transfer in the ring; b and c answer `b`, `c` (a reply, or a failure). */
    function cluster(b: () => Promise<unknown>, c: () => Promise<unknown>, own: number[] = []) {
      let r = ring();
      r = setOwnership(r, A, { ...ownershipOf(r), epoch: 3, next: [] });
      const client = {
        request: (addr: string, pattern: string) => {
          expect(pattern).toBe(Patterns.handoffUnowned);
          return addr === 'addr-b' ? b() : c();
        },
      } as unknown as ClusterClient;
      const handoff = { unownedPartitions: () => Promise.resolve(own) } as unknown as HandoffManager;
      return new ClusterTransfersService({ current: r, self: A } as unknown as RingManager, handoff, client);
    }
    const holding = (...indices: number[]) => () => Promise.resolve({ indices });

    it('is false only when every member answers that it holds none of them', async () => {
      await expect(cluster(holding(), holding(7)).unownedAnywhere('kv', [p(1), p(2), p(3)])).resolves.toBe(false);
      await expect(cluster(holding(), holding(2)).unownedAnywhere('kv', [p(1), p(2), p(3)])).resolves.toBe(true);
      await expect(cluster(holding(), holding(), [3]).unownedAnywhere('kv', [p(1), p(2), p(3)])).resolves.toBe(true);
    });

    it('counts a member that does not answer, or answers nonsense, as holding some', async () => {
      await expect(cluster(holding(), () => Promise.reject(new Error('timeout'))).unownedAnywhere('kv', [p(1)])).resolves.toBe(true);
      await expect(cluster(holding(), () => Promise.resolve({ nope: 1 })).unownedAnywhere('kv', [p(1)])).resolves.toBe(true);
    });

    it('is true while the ring moves one of them, without asking anyone', async () => {
      const client = { request: () => Promise.reject(new Error('not asked')) } as unknown as ClusterClient;
      const handoff = { unownedPartitions: () => Promise.resolve([]) } as unknown as HandoffManager;
      const service = new ClusterTransfersService({ current: ring(), self: A } as unknown as RingManager, handoff, client);
      await expect(service.unownedAnywhere('kv', [p(2)])).resolves.toBe(true);
    });
  });
});
