import { Ring, TransferView, freshRing, markSeen, ownershipOf, ringSize, setMember, setOwnership } from '../../lib';
import type { ClusterClient, ClusterRequestOptions } from '../transport';
import type { RingManager } from '../ring-manager.service';
import { Patterns } from '../patterns';
import type { HandoffManager } from './handoff-manager.service';
import { ClusterTransfersService } from './cluster-transfers.service';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const C = 'c@127.0.0.1';

function ring(): Ring {
  let r = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'addr-a' });
  for (const n of [B, C]) r = setMember(r, A, n, { status: 'valid', addr: `addr-${n[0]}`, autoJoin: false });
  r = setOwnership(r, A, {
    ...ownershipOf(r),
    epoch: 2,
    next: [
      { index: 1, from: A, to: B, status: 'awaiting' },
      { index: 2, from: B, to: C, status: 'awaiting' },
      { index: 3, from: C, to: A, status: 'awaiting' },
    ],
  });
  for (const n of [A, B, C]) r = markSeen(r, n);
  return r;
}

const active = (index: number, from: string, to: string): TransferView => ({
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
        if (addr === 'addr-b') return Promise.resolve({ node: B, transfers: [active(2, B, C)] });
        // c is frozen: the transport gives up after timeoutMs
        return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), opts?.timeoutMs));
      },
    } as unknown as ClusterClient;
    const rings = { current: ring(), self: A } as unknown as RingManager;
    const handoff = { running: () => [active(1, A, B)] } as unknown as HandoffManager;
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
});
