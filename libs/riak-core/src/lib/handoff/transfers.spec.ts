import { PartitionIndex, ringSize } from '../chash';
import { NodeName, Ring, Transfer, freshRing, markSeen, ownershipOf, setMember, setOwnership } from '../ring';
import { TransferView, decodeRunningTransfers, mergeTransfers, waitingTransfers } from './transfers';
import { n, p } from '../../testing/names';

const A = n('a@127.0.0.1');
const B = n('b@127.0.0.1');
const C = n('c@127.0.0.1');

function ringWith(next: Transfer[], q = 8): Ring {
  let r = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(q), node: A, addr: 'a' });
  for (const n of [B, C]) r = setMember(r, A, n, { status: 'valid', addr: n, autoJoin: false });
  r = setOwnership(r, A, { ...ownershipOf(r), epoch: 2, next });
  for (const n of [A, B, C]) r = markSeen(r, n);
  return r;
}

function active(index: PartitionIndex, from: NodeName, to: NodeName, type: TransferView['type'] = 'ownership', service = 'kv'): TransferView {
  return { service, index, partition: String(index), type, from, to, status: 'active', items: 5, bytes: 50, total: 10, rate: 1, progress: 0.5 };
}

describe('waitingTransfers', () => {
  it('lists the awaiting ownership transfers of the ring, not the completed ones', () => {
    const w = waitingTransfers(ringWith([{ index: p(1), from: A, to: B, status: 'awaiting' }, { index: p(2), from: A, to: C, status: 'complete' }]));
    expect(w).toEqual([
      { service: '*', index: 1, partition: (2n ** 160n / 8n).toString(), type: 'ownership', from: A, to: B, status: 'waiting', items: 0, bytes: 0, total: null, rate: 0, progress: null },
    ]);
  });
});

describe('mergeTransfers', () => {
  const waiting = waitingTransfers(
    ringWith([
      { index: p(1), from: A, to: B, status: 'awaiting' },
      { index: p(3), from: B, to: C, status: 'awaiting' },
      { index: p(5), from: C, to: A, status: 'awaiting' },
    ]),
  );

  it("shows another node's running handoff once, as active, instead of waiting", () => {
    const m = mergeTransfers([active(p(1), A, B)], [{ node: B, running: [active(p(3), B, C)] }, { node: C, running: [] }], waiting);
    expect(m.transfers.map((t) => [t.index, t.status])).toEqual([
      [1, 'active'],
      [3, 'active'],
      [5, 'waiting'],
    ]);
    expect(m.unreachable).toEqual([]);
  });

  it("lists members that did not answer and keeps this node's own active handoff", () => {
    const m = mergeTransfers([active(p(1), A, B)], [{ node: C, running: null }, { node: B, running: null }], waiting);
    expect(m.transfers.map((t) => [t.index, t.status])).toEqual([
      [1, 'active'],
      [3, 'waiting'],
      [5, 'waiting'],
    ]);
    expect(m.unreachable).toEqual([B, C]);
  });

  it('shows a handoff reported twice once, and keeps several services of one partition', () => {
    const m = mergeTransfers([active(p(1), A, B), active(p(1), A, B, 'ownership', 'chat')], [{ node: B, running: [active(p(1), A, B)] }], []);
    expect(m.transfers.map((t) => t.service)).toEqual(['kv', 'chat']);
  });

  it("a hinted handoff of a partition from another node does not hide that partition's waiting ownership transfer", () => {
    const m = mergeTransfers([], [{ node: C, running: [active(p(1), C, A, 'hinted')] }], waiting);
    expect(m.transfers.filter((t) => t.index === 1).map((t) => t.status)).toEqual(['active', 'waiting']);
  });

  it('nothing anywhere: an empty list', () => {
    expect(mergeTransfers([], [{ node: B, running: [] }], [])).toEqual({ transfers: [], unreachable: [] });
  });
});

describe('decodeRunningTransfers', () => {
  it('accepts a well-formed reply and refuses malformed ones', () => {
    expect(decodeRunningTransfers({ transfers: [active(p(1), A, B)] })).toEqual([active(p(1), A, B)]);
    expect(decodeRunningTransfers({ transfers: [] })).toEqual([]);
    expect(decodeRunningTransfers(null)).toBeNull();
    expect(decodeRunningTransfers({})).toBeNull();
    expect(decodeRunningTransfers({ transfers: [{ ...active(p(1), A, B), type: 'teleport' }] })).toBeNull();
    expect(decodeRunningTransfers({ transfers: [{ ...active(p(1), A, B), items: '5' }] })).toBeNull();
  });
});
