import { ringSize } from '../../lib/chash';
import { freshRing } from '../../lib/ring';
import { ringView } from '../../lib/ring-view';
import type { TransferView } from '../handoff/handoff-manager.service';
import { clusterErrorFrame, ringFrame, transferFrame, transfersDigest } from './cluster-frames';
import { n, p } from '../../testing/names';

const transfer = (over: Partial<TransferView> = {}): TransferView => ({
  service: 'kv',
  index: p(3),
  partition: '3',
  type: 'ownership',
  from: 'a@h',
  to: 'b@h',
  status: 'active',
  items: 10,
  bytes: 100,
  total: 40,
  rate: 5,
  progress: 0.25,
  ...over,
});

describe('/ws/cluster frames', () => {
  it('encodes ring, transfer and error frames in Nest’s {event, data} shape', () => {
    const view = ringView(freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: n('a@h'), addr: 'x' }));
    expect(JSON.parse(ringFrame('a@h', view))).toEqual({ event: 'ring', data: { node: 'a@h', ...view } });
    expect(JSON.parse(transferFrame([transfer()]))).toEqual({ event: 'transfer', data: { transfers: [transfer()] } });
    expect(JSON.parse(clusterErrorFrame('bad_frame', 'no'))).toEqual({ event: 'error', data: { code: 'bad_frame', message: 'no' } });
  });

  it('the digest ignores the rate alone and sees every other change', () => {
    const base = transfersDigest([transfer()]);
    expect(transfersDigest([transfer({ rate: 99 })])).toBe(base);
    for (const change of [{ items: 11 }, { bytes: 1 }, { status: 'waiting' as const }, { total: null }, { to: n('c@h') }, { index: p(4) }, { service: 'ping' }]) {
      expect(transfersDigest([transfer(change)])).not.toBe(base);
    }
    expect(transfersDigest([])).not.toBe(base);
  });
});
