/**
 * `ringnest repair <partition>`: a node whose KV data was lost (its LMDB files deleted,
 * its ring kept) rebuilds its vnodes from the neighbours' replicas.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { keyIndex, successorsOf } from '@ringnest/riak-core';
import { TestCluster, ringnest, waitSettled } from './support/cluster';
import { kvPut, pool, vnodes } from './support/kv';

describe('repair from neighbours', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('rebuilds every replica a node lost', async () => {
    // anti-entropy off: the lost replicas must stay lost until the operator repairs them
    const env = { STORAGE: 'lmdb', RING_SIZE: '16', AAE: 'off' };
    const a = await cluster.started('ra', { env });
    const b = await cluster.started('rb', { env });
    const c = await cluster.started('rc', { env });
    for (const n of [b, c]) expect((await ringnest(['--node', `127.0.0.1:${n.spec.httpPort}`, 'join', a.clusterAddr])).code).toBe(0);
    await waitSettled([a, b, c], 60000);
    const keys = Array.from({ length: 500 }, (_, i) => `repair-${i}`);
    await pool(keys, 20, async (k) => {
      expect((await kvPut(a, k, { k }, 'n=3&w=3')).status).toBe(200);
    });
    const ring = (await a.get<{ owners: { index: number; partition: string; node: string }[] }>('/api/cluster/ring')).body.owners;
    const mine = ring.filter((o) => o.node === c.spec.name);
    // replicas rc should hold: (key, partition) pairs whose partition rc owns
    const expected = new Map<number, number>();
    for (const k of keys) for (const p of successorsOf(keyIndex('store', k, 16), 16, 3)) if (ring[p].node === c.spec.name) expected.set(p, (expected.get(p) ?? 0) + 1);
    const sizes = async () => new Map((await vnodes(c)).filter((v) => v.service === 'kv').map((v) => [v.index, v.size ?? 0]));
    expect(await sizes()).toEqual(expected);

    expect(await c.stop()).toBe(0);
    rmSync(join(c.spec.dataDir, 'kv'), { recursive: true, force: true });
    await c.start();
    await waitSettled([a, b, c], 60000);
    expect([...(await sizes()).values()].reduce((x, y) => x + y, 0)).toBe(0);

    for (const o of mine) {
      const r = await ringnest(['--node', `127.0.0.1:${c.spec.httpPort}`, 'repair', o.partition]);
      // the whole outcome on failure: what the command said is the diagnosis
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toMatchObject({ code: 0, stdout: expect.stringContaining(`Repaired partition ${o.partition}`) });
    }
    // an unknown service is refused before anything is asked of the neighbours
    const unknown = await fetch(`${c.http}/api/cluster/repair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partition: mine[0].partition, service: 'nope' }) });
    expect([unknown.status, ((await unknown.json()) as { error: { code: string } }).error.code]).toEqual([400, 'bad_request']);
    const after = await sizes();
    for (const [p, n] of expected) expect([p, after.get(p)]).toEqual([p, n]);
  }, 180000);
});
