/**
 * The ping service (the workshop's simple_hash, apps/api/src/app/ping) on real api node processes:
 * where time pings land on rings of 64 and 16, that pongs come from the ring's owners, `ping <n>`,
 * `other-ping` and `preflist` through the CLI, fallbacks after a kill -9, and bad input.
 */
import { NodeProcess, TestCluster, ringnest, until, waitSettled } from './support/cluster';
import { pool } from './support/kv';

/** CLI processes run at once when one is run per key. */
const CLI_AT_ONCE = 4;

interface Pong {
  pong: string;
  node: string;
}
interface RingView {
  ringSize: number;
  owners: { index: number; partition: string; node: string }[];
}
interface PreflistView {
  entries: { partition: string; node: string; type: 'primary' | 'fallback' }[];
}

const KEYSPACE = 1n << 160n;
/** The width of a partition, 2^160 / Q: every partition id is a multiple of it. */
const width = (q: number) => KEYSPACE / BigInt(q);

const at = (n: NodeProcess) => ['--node', `127.0.0.1:${n.spec.httpPort}`];
const lines = (stdout: string) => stdout.trim().split('\n');

async function pong(n: NodeProcess, query = ''): Promise<Pong> {
  const res = await n.get<Pong>(`/api/ping${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Partition id → owner, as `GET /api/cluster/ring` reports it. */
async function owners(n: NodeProcess): Promise<Map<string, string>> {
  const ring = (await n.get<RingView>('/api/cluster/ring')).body;
  return new Map(ring.owners.map((o) => [o.partition, o.node]));
}

/** Until every node sees every node up for the ping service. */
async function waitPingUp(nodes: NodeProcess[]): Promise<void> {
  const names = nodes.map((n) => n.spec.name);
  await until('every node up for ping everywhere', async () => {
    const views = await Promise.all(nodes.map((n) => n.get<{ nodes: { node: string; up: boolean; services: string[] }[] }>('/api/cluster/services')));
    return views.every((v) => names.every((name) => v.body.nodes.some((s) => s.node === name && s.up && s.services.includes('ping'))));
  }, 30000);
}

describe('ping on a single node', () => {
  const cluster = new TestCluster();
  let solo: NodeProcess;

  beforeAll(async () => {
    solo = await cluster.started('p1');
  });
  afterAll(() => cluster.stopAll());

  it('answers time pings from partitions of a ring of 64: multiples of 2^154 up to 63 * 2^154, well spread', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = await pong(solo);
      expect(p.node).toBe('p1@127.0.0.1');
      const id = BigInt(p.pong);
      expect(id % (1n << 154n)).toBe(0n);
      expect(id <= 63n * (1n << 154n)).toBe(true);
      seen.add(p.pong);
    }
    expect(seen.size).toBeGreaterThanOrEqual(40);
  });

  it('uses the ring size of the node: multiples of 2^156 on a ring of 16', async () => {
    const small = await cluster.started('p16', { env: { RING_SIZE: '16' } });
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const id = BigInt((await pong(small)).pong);
      expect(id % (1n << 156n)).toBe(0n);
      expect(id <= 15n * (1n << 156n)).toBe(true);
      seen.add(id.toString());
    }
    // More than 8 distinct partitions: really a ring of 16, not a coarser one.
    expect(seen.size).toBeGreaterThan(8);
  });

  it('refuses a bad n or key with 400 and the JSON error shape, and an unknown route with 404', async () => {
    for (const query of ['?n=abc', '?n=', '?n=0', '?n=9', '?n=2.5', '?key=', `?key=${'k'.repeat(1025)}`]) {
      const res = await solo.get<{ error: { code: string; message: string } }>(`/api/ping${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    }
    const largest = await solo.get<{ data: Pong[] }>(`/api/ping?n=8&key=${'k'.repeat(1024)}`);
    expect(largest.status).toBe(200);
    expect(largest.body.data).toHaveLength(8);
    const missing = await solo.get<{ error: { code: string; message: string } }>('/api/pings');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});

describe('ping on two joined nodes', () => {
  const cluster = new TestCluster();
  let a: NodeProcess, b: NodeProcess;

  beforeAll(async () => {
    a = await cluster.started('pa');
    b = await cluster.node('pb');
    await b.start({ JOIN: a.clusterAddr });
    await waitSettled([a, b], 60000);
    await waitPingUp([a, b]);
  });
  afterAll(() => cluster.stopAll());

  it('spreads time pings over both nodes, each answered by the owner of its partition', async () => {
    const owner = await owners(a);
    expect(await owners(b)).toEqual(owner);
    const answered = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const p = await pong(i % 2 === 0 ? a : b);
      expect({ partition: p.pong, node: p.node }).toEqual({ partition: p.pong, node: owner.get(p.pong) });
      answered.set(p.node, (answered.get(p.node) ?? 0) + 1);
    }
    expect(answered.get('pa@127.0.0.1')).toBeGreaterThanOrEqual(20);
    expect(answered.get('pb@127.0.0.1')).toBeGreaterThanOrEqual(20);
  });

  it('`ping 3` answers from 3 consecutive partitions, each by its owner', async () => {
    const owner = await owners(a);
    const res = await ringnest([...at(a), 'ping', '3']);
    expect(res.code).toBe(0);
    expect(lines(res.stdout)).toHaveLength(1);
    const { data } = JSON.parse(res.stdout) as { data: Pong[] };
    expect(data).toHaveLength(3);
    const ids = data.map((p) => BigInt(p.pong));
    for (let i = 1; i < ids.length; i++) expect((ids[i] - ids[i - 1] + KEYSPACE) % KEYSPACE).toBe(width(64));
    for (const p of data) expect(p.node).toBe(owner.get(p.pong));
  });

  it('`other-ping hello` lands on the same vnode from either node: the first entry of `preflist ping hello 1`', async () => {
    const fromA = await ringnest([...at(a), 'other-ping', 'hello']);
    const fromB = await ringnest([...at(b), 'other-ping', 'hello']);
    expect(fromA.code).toBe(0);
    expect(fromB.stdout).toBe(fromA.stdout);
    const p = JSON.parse(fromA.stdout) as Pong;
    const preflist = await ringnest([...at(b), 'preflist', 'ping', 'hello', '1']);
    expect(preflist.code).toBe(0);
    expect(lines(preflist.stdout)).toEqual([`${p.pong} ${p.node} primary`]);
  });
});

describe('preference lists of a four-node cluster after a kill -9', () => {
  const cluster = new TestCluster();
  const nodes: NodeProcess[] = [];
  const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);

  beforeAll(async () => {
    const first = await cluster.started('q1');
    nodes.push(first, ...(await Promise.all(['q2', 'q3', 'q4'].map((name) => cluster.node(name)))));
    await Promise.all(nodes.slice(1).map((n) => n.start({ JOIN: first.clusterAddr })));
    await waitSettled(nodes, 120000);
    await waitPingUp(nodes);
  });
  afterAll(() => cluster.stopAll());

  it('lists 3 primaries on distinct nodes, then a fallback in place of the dead node within 10 s; ping answers from a fallback', async () => {
    const [q1, , q3] = nodes;
    const before = new Map<string, string[]>();
    // one CLI process per key, a few at a time (each is mostly a Node start)
    await pool(keys, CLI_AT_ONCE, async (key) => {
      const res = await ringnest([...at(q1), 'preflist', 'store', key, '3']);
      expect(res.code).toBe(0);
      const entries = lines(res.stdout);
      expect(entries).toHaveLength(3);
      const parsed = entries.map((line) => line.split(' '));
      for (const [partition, , type] of parsed) {
        expect(BigInt(partition) % width(64)).toBe(0n);
        expect(type).toBe('primary');
      }
      expect(new Set(parsed.map(([, node]) => node)).size).toBe(3);
      before.set(key, entries);
    });
    const dead = q3.spec.name;
    const hit = keys.filter((k) => before.get(k)?.some((line) => line.split(' ')[1] === dead));
    expect(hit.length).toBeGreaterThan(0);

    // A ping key whose only vnode is on the node about to die.
    const pingKey = await findPingKeyOwnedBy(q1, dead);

    await q3.kill9();
    const up = new Set(nodes.filter((n) => n !== q3).map((n) => n.spec.name));
    const settled = (entries: PreflistView['entries'], old: string[]) =>
      !entries.some((e) => e.node === dead) &&
      old.every((line) => {
        const [partition, node] = line.split(' ');
        if (node !== dead) return entries.some((e) => e.partition === partition && e.node === node && e.type === 'primary');
        return entries.some((e) => e.partition === partition && up.has(e.node) && e.type === 'fallback');
      });
    await until('fallbacks for the dead node', async () => {
      const views = await Promise.all(hit.map((k) => q1.get<PreflistView>(`/api/cluster/preflist?bucket=store&key=${k}&n=3`)));
      return views.every((v, i) => settled(v.body.entries, before.get(hit[i]) ?? []));
    }, 10000);

    // What the CLI prints now, for every key the dead node served.
    await pool(hit, CLI_AT_ONCE, async (key) => {
      const res = await ringnest([...at(q1), 'preflist', 'store', key, '3']);
      expect(res.stdout).not.toContain(dead);
      const deadLine = (before.get(key) ?? []).find((line) => line.split(' ')[1] === dead) ?? '';
      const partition = deadLine.split(' ')[0];
      expect(lines(res.stdout).some((line) => new RegExp(`^${partition} \\S+ fallback$`).test(line) && up.has(line.split(' ')[1]))).toBe(true);
    });

    // Sloppy quorum for ping: the same partition answers from an up node.
    const answer = await ringnest([...at(q1), 'other-ping', pingKey.key]);
    expect(answer.code).toBe(0);
    const p = JSON.parse(answer.stdout) as Pong;
    expect(p.pong).toBe(pingKey.partition);
    expect(up.has(p.node)).toBe(true);
  });
});

/** A key whose first ping partition is owned by `node`. */
async function findPingKeyOwnedBy(n: NodeProcess, node: string): Promise<{ key: string; partition: string }> {
  for (let i = 0; i < 200; i++) {
    const key = `ping-${i}`;
    const [first] = (await n.get<PreflistView>(`/api/cluster/preflist?bucket=ping&key=${key}&n=1`)).body.entries;
    if (first.node === node) return { key, partition: first.partition };
  }
  throw new Error(`no ping key of the first 200 lands on ${node}`);
}
