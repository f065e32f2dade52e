import { ringSize } from '../../lib/chash';
import { freshRing } from '../../lib/ring';
import { ringView } from '../../lib/ring-view';
import type { TransferView } from '../handoff/handoff-manager.service';
import { clusterErrorFrame, decodeClusterRequest, ringFrame, transferFrame, transfersDigest } from './cluster-frames';

const transfer = (over: Partial<TransferView> = {}): TransferView => ({
  service: 'kv',
  index: 3,
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
  it('decodes the two requests, whatever their data', () => {
    expect(decodeClusterRequest('{"event":"ring"}')).toEqual({ kind: 'ring' });
    expect(decodeClusterRequest('{"event":"transfers","data":{"x":1}}')).toEqual({ kind: 'transfers' });
  });

  it.each([
    ['not JSON', 'ring', 'bad_frame'],
    ['an array', '[1,2]', 'bad_frame'],
    ['null', 'null', 'bad_frame'],
    ['a string', '"ring"', 'bad_frame'],
    ['a non-string event', '{"event":1}', 'bad_frame'],
    ['no event', '{"data":{}}', 'bad_frame'],
    ['an unknown event', '{"event":"subscribe"}', 'unknown_event'],
    ['an inherited property name', '{"event":"constructor"}', 'unknown_event'],
  ])('answers %s with an error', (_what, payload, code) => {
    expect(decodeClusterRequest(payload)).toMatchObject({ kind: 'error', code });
  });

  it('bounds the echo of an unknown event name', () => {
    const r = decodeClusterRequest(JSON.stringify({ event: 'x'.repeat(5000) }));
    expect(r.kind === 'error' && r.message.length).toBeLessThan(200);
  });

  it('encodes ring, transfer and error frames in Nest’s {event, data} shape', () => {
    const view = ringView(freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: 'a@h', addr: 'x' }));
    expect(JSON.parse(ringFrame('a@h', view))).toEqual({ event: 'ring', data: { node: 'a@h', ...view } });
    expect(JSON.parse(transferFrame([transfer()]))).toEqual({ event: 'transfer', data: { transfers: [transfer()] } });
    expect(JSON.parse(clusterErrorFrame('bad_frame', 'no'))).toEqual({ event: 'error', data: { code: 'bad_frame', message: 'no' } });
  });

  it('the digest ignores the rate alone and sees every other change', () => {
    const base = transfersDigest([transfer()]);
    expect(transfersDigest([transfer({ rate: 99 })])).toBe(base);
    for (const change of [{ items: 11 }, { bytes: 1 }, { status: 'waiting' as const }, { total: null }, { to: 'c@h' }, { index: 4 }, { service: 'ping' }]) {
      expect(transfersDigest([transfer(change)])).not.toBe(base);
    }
    expect(transfersDigest([])).not.toBe(base);
  });
});
