/**
 * Active anti-entropy on real processes: 1 % of the keys deleted from one node's LMDB files behind
 * the system's back come back on that node with no KV read at all, while a concurrent writer's
 * acknowledged writes all survive; `ringnest aae-status` shows the exchanges and the repairs, and
 * an exchange of two equal replicas sends one message.
 */
import { keyIndex, successorsOf } from '@ringnest/riak-core';
import { NodeProcess, TestCluster, ringnest, until, waitSettled } from './support/cluster';
import { kvGet, kvPut, pool, vnodes } from './support/kv';
import { deleteBehind } from './support/lmdb-behind';

const Q = 16;
const KEYS = 10_000;

interface AaeStatusBody {
  nodes: { node: string; vnodes: { index: number; keys: number; exchanges: { at: number; result: string; totalRepaired: number; messages: number }[] }[] }[];
  text: string;
}

describe('active anti-entropy', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('repairs keys deleted behind the system, without reads, losing no acknowledged write', async () => {
    // exchanges every 1 s instead of 10: the same work, a shorter wait (the default's figures: libs/riak-core/docs/aae.md)
    const env = { STORAGE: 'lmdb', RING_SIZE: String(Q), AAE_EXCHANGE_INTERVAL_MS: '1000' };
    const [a, b, c] = [await cluster.started('aa', { env }), await cluster.started('ab', { env }), await cluster.started('ac', { env })];
    for (const n of [b, c]) expect((await ringnest(['--node', `127.0.0.1:${n.spec.httpPort}`, 'join', a.clusterAddr])).code).toBe(0);
    await waitSettled([a, b, c], 60000);
    const nodes = [a, b, c];
    const keys = Array.from({ length: KEYS }, (_, i) => `aae-${i}`);
    await pool(keys, 32, async (k, i) => {
      expect((await kvPut(nodes[i % 3], k, { k }, 'n=3&w=3')).status).toBe(200);
    });
    const owners = (await a.get<{ owners: { node: string }[] }>('/api/cluster/ring')).body.owners.map((o) => o.node);
    const replicasOn = (node: NodeProcess, k: string) => successorsOf(keyIndex('store', k, Q), Q, 3).filter((p) => owners[p] === node.spec.name);

    // kill -9 (no tree snapshot survives), then delete 1 % of the keys from its LMDB files
    await c.kill9();
    const lost = keys.filter((_, i) => i % 100 === 7);
    const deletions = lost.flatMap((key) => replicasOn(c, key).map((index) => ({ index, key })));
    expect(await deleteBehind(c.spec.dataDir, deletions)).toBe(deletions.length);
    const expectedOn = (node: NodeProcess, all: readonly string[]) => all.reduce((n, k) => n + replicasOn(node, k).length, 0);
    const storedOn = async (node: NodeProcess) => (await vnodes(node)).filter((v) => v.service === 'kv' && v.owned).reduce((n, v) => n + (v.size ?? 0), 0);

    const restarted = Date.now();
    await c.start();
    // a writer runs meanwhile: new keys, and new versions of keys that were lost
    const acked = new Map<string, number>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const k = i % 2 === 0 ? `aae-new-${i}` : lost[i % lost.length];
        const r = await kvPut(nodes[i % 2], k, { k, v: i }, 'n=3&w=2').catch(() => undefined);
        if (r?.status === 200) acked.set(k, i);
      }
    })();
    await until('the writer to be acknowledged 200 times', () => acked.size >= 200, 60000);
    writing = false;
    await writer;
    const all = [...new Set([...keys, ...acked.keys()])];

    // no KV reads until every owned replica is back: vnode sizes come from the admin API
    let sizes: number[] = [];
    await until(
      'every replica of every key to be back',
      async () => {
        sizes = await Promise.all(nodes.map((n) => storedOn(n)));
        return nodes.every((n, i) => sizes[i] === expectedOn(n, all));
      },
      90000,
      () => `stored ${sizes.join('/')} of ${nodes.map((n) => expectedOn(n, all)).join('/')}`,
    );
    const seconds = (Date.now() - restarted) / 1000;
    console.log(`anti-entropy: ${lost.length} keys lost on ${c.spec.name}, every replica back ${seconds.toFixed(1)} s after its restart`);

    // every acknowledged write survived, on every replica (r=3 reads all three)
    await pool([...acked], 16, async ([k, v]) => {
      const got = await kvGet(a, k, 'n=3&r=3');
      expect([k, got.status, JSON.stringify(got.body.data)]).toEqual([k, 200, expect.stringContaining(`"v":${v}`)]);
    });
    // a repaired key holds the one version it was written with (`value`: no siblings), on all three replicas
    for (const k of lost.filter((k) => !acked.has(k)).slice(0, 50)) {
      const got = (await kvGet(c, k, 'n=3&r=3')).body;
      expect([k, got.value, got.data]).toEqual([k, { k }, [{ [k]: { k } }, { [k]: { k } }, { [k]: { k } }]]);
    }

    const status = (await a.get<AaeStatusBody>('/api/cluster/aae')).body;
    const exchanges = status.nodes.flatMap((n) => n.vnodes.flatMap((v) => v.exchanges));
    // the lost keys the writer did not rewrite came back by anti-entropy repairs alone
    expect(exchanges.reduce((n, e) => n + e.totalRepaired, 0)).toBeGreaterThanOrEqual(lost.filter((k) => !acked.has(k)).length);
    // once nothing changes, equal replicas compare their roots only: one message per exchange of
    // trees of hundreds of keys, not one per key
    const quiet = Date.now();
    let later: AaeStatusBody['nodes'][number]['vnodes'][number]['exchanges'] = [];
    await until('30 exchanges to run after the repair', async () => {
      const s = (await a.get<AaeStatusBody>('/api/cluster/aae')).body;
      later = s.nodes.flatMap((n) => n.vnodes.filter((v) => v.keys > 0).flatMap((v) => v.exchanges)).filter((e) => e.at > quiet);
      return later.length >= 30;
    }, 60000);
    expect(new Set(later.map((e) => `${e.result} in ${e.messages} message(s)`))).toEqual(new Set(['equal in 1 message(s)']));
    const cli = await ringnest(['--node', `127.0.0.1:${a.spec.httpPort}`, 'aae-status']);
    expect(cli.code).toBe(0);
    for (const n of nodes) expect(cli.stdout).toContain(n.spec.name);
    expect(cli.stdout).toMatch(/keys repaired: [1-9]/);

    // a clean restart takes the trees from their snapshots instead of folding the data again
    expect(await c.stop()).toBe(0);
    await c.start();
    const builds = async (source: string) => {
      const text = await (await fetch(`${c.http}/metrics`)).text();
      return Number(new RegExp(`^ringnest_aae_tree_build_seconds_count\\{service="kv",source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const owned = (await vnodes(c)).filter((v) => v.service === 'kv' && v.owned).length;
    await until('every owned vnode of the restarted node to have its trees', async () => (await builds('snapshot')) + (await builds('fold')) >= owned, 30000);
    expect([await builds('snapshot'), await builds('fold')]).toEqual([owned, 0]);
  }, 300000);
});
