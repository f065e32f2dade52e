/**
 * The coordinated KV store over HTTP on a real 3-node cluster (docs/reference/http-api.md): quorum answers,
 * every error row with nothing written, sloppy quorum through a kill -9, a frozen replica bounded by
 * the timeout, and 1,000 concurrent writes.
 */
import { TestCluster, NodeProcess, ringnest, until, waitSettled } from './support/cluster';
import WebSocket from 'ws';
import { kvGet, kvPut, pool } from './support/kv';

async function req(n: NodeProcess, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  // every request that may change something says it is JSON (a node answers 415 otherwise)
  const res = await fetch(`${n.http}${path}`, { method, headers: { ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('the KV store on 3 nodes', () => {
  const cluster = new TestCluster();
  let a: NodeProcess, b: NodeProcess, c: NodeProcess;
  beforeAll(async () => {
    [a, b, c] = [await cluster.started('ka'), await cluster.started('kb'), await cluster.started('kc')];
    for (const n of [b, c]) expect((await ringnest(['--node', `127.0.0.1:${n.spec.httpPort}`, 'join', a.clusterAddr])).code).toBe(0);
    await waitSettled([a, b, c], 60000);
  }, 120000);
  afterAll(() => cluster.stopAll());

  it('answers a PUT with exactly W acks and a GET from another node with R entries and the value', async () => {
    const w2 = await req(a, 'PUT', '/api/store/my_key?n=3&w=2', '{"a":"b"}');
    expect(w2.status).toBe(200);
    expect(w2.body.data).toEqual([true, true]);
    expect(typeof w2.body.context).toBe('string');
    const w3 = await req(a, 'PUT', '/api/store/my_key?n=3&w=3', '{"a":"b"}');
    expect(w3.body.data).toEqual([true, true, true]);
    const r2 = await req(b, 'GET', '/api/store/my_key?n=3&r=2');
    expect(r2.status).toBe(200);
    expect(r2.body.data).toEqual([{ my_key: { a: 'b' } }, { my_key: { a: 'b' } }]);
    expect(r2.body.value).toEqual({ a: 'b' });
    const r1 = await req(c, 'GET', '/api/store/my_key?n=3&r=1');
    expect(r1.body.data).toEqual([{ my_key: { a: 'b' } }]);
    expect(await req(c, 'GET', '/api/store/missing_key')).toEqual({ status: 200, body: { data: 'not_found' } });
    const del = await req(b, 'DELETE', '/api/store/my_key?n=3&w=3');
    expect(del.body.data).toEqual([true, true, true]);
    expect((await req(a, 'GET', '/api/store/my_key?r=3')).body).toEqual({ data: 'not_found' });
  });

  it('offers the same through ./ringnest kv store|fetch|delete, printing the HTTP bodies', async () => {
    const at = ['--node', `127.0.0.1:${b.spec.httpPort}`];
    const stored = await ringnest([...at, 'kv', 'store', 'cli_key', '{"c":1}', '3', '2']);
    expect(stored.code).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({ data: [true, true] });
    const fetched = await ringnest([...at, 'kv', 'fetch', 'cli_key', '3', '2']);
    expect(JSON.parse(fetched.stdout)).toMatchObject({ data: [{ cli_key: { c: 1 } }, { cli_key: { c: 1 } }], value: { c: 1 } });
    expect(JSON.parse((await ringnest([...at, 'kv', 'delete', 'cli_key', '3', '3'])).stdout)).toEqual({ data: [true, true, true] });
    const gone = await ringnest([...at, 'kv', 'fetch', 'cli_key']);
    expect(gone.code).toBe(0);
    expect(gone.stdout.trim()).toBe('{"data":"not_found"}');
    const bad = await ringnest([...at, 'kv', 'store', 'cli_key', '{"c":1}', '3', '4']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { code: 'bad_request', message: 'w must be between 1 and n (3)' } });
  });

  it('refuses every bad request of docs/reference/http-api.md with a JSON error, and writes nothing', async () => {
    const cases: [string, string, string | undefined, number][] = [
      ['PUT', '/api/store/r1?w=x', '{"v":1}', 400],
      ['PUT', '/api/store/r2?n=3&w=4', '{"v":1}', 400],
      ['PUT', '/api/store/r3?n=9', '{"v":1}', 400],
      ['PUT', '/api/store/r4?n=0', '{"v":1}', 400],
      ['PUT', '/api/store/r5?w=', '{"v":1}', 400],
      ['PUT', '/api/store/r6', '{bad json', 400],
      ['PUT', '/api/store/r7', undefined, 400],
      ['PUT', `/api/store/${'k'.repeat(1025)}`, '{"v":1}', 400],
      ['PUT', '/api/store/r8', JSON.stringify({ big: 'x'.repeat(1024 * 1024) }), 413],
      ['GET', '/api/store/r1?r=4', undefined, 400],
      ['PUT', '/api/store/r1?w=2&pw=3', '{"v":1}', 400],
      ['GET', '/api/store/r1?r=1&pr=2', undefined, 400],
      ['PUT', '/api/store/r1?pw=-1', '{"v":1}', 400],
      ['GET', '/api/nowhere', undefined, 404],
      ['POST', '/api/store/r1', '{"v":1}', 404],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await req(a, method, path, body);
      expect([method, path.slice(0, 40), r.status]).toEqual([method, path.slice(0, 40), status]);
      const err = r.body.error as { code?: unknown; message?: unknown };
      expect(typeof err?.code).toBe('string');
      expect(typeof err?.message).toBe('string');
    }
    for (const k of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']) expect((await req(b, 'GET', `/api/store/${k}?r=3`)).body).toEqual({ data: 'not_found' });
    expect((await a.get('/health')).status).toBe(200);
  });

  it('answers 1,000 concurrent PUTs over 3 nodes with exactly W acks, and every key reads back its own value', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `conc-${i}`);
    const bad: string[] = [];
    await pool(keys, 100, async (k, i) => {
      const r = await kvPut([a, b, c][i % 3], k, { k }, 'n=3&w=2');
      if (r.status !== 200 || JSON.stringify((r.body as { data: unknown }).data) !== '[true,true]') bad.push(`${k} ${r.status} ${JSON.stringify(r.body)}`);
    });
    expect(bad.slice(0, 3)).toEqual([]);
    await pool(keys, 50, async (k, i) => {
      const r = await kvGet([b, c, a][i % 3], k, 'r=2');
      if (JSON.stringify(r.body.value) !== JSON.stringify({ k })) bad.push(`${k} ${JSON.stringify(r.body)}`);
    });
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('serves /ws/kv: store, fetch, watch (changes written through another node), and an error event for a bad frame', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${a.spec.httpPort}/ws/kv`);
    const inbox: { event: string; data: Record<string, unknown> }[] = [];
    ws.on('message', (m) => inbox.push(JSON.parse(m.toString()) as { event: string; data: Record<string, unknown> }));
    await new Promise((r) => ws.once('open', r));
    const next = async (event: string) => {
      await until(`a ${event} event`, () => inbox.some((m) => m.event === event), 10000);
      return inbox.splice(inbox.findIndex((m) => m.event === event), 1)[0].data;
    };
    try {
      ws.send(JSON.stringify({ event: 'watch', data: { key: 'watched' } }));
      expect(await next('watching')).toEqual({ key: 'watched' });
      ws.send(JSON.stringify({ event: 'store', data: { key: 'ws-key', value: { via: 'ws' }, n: 3, w: 3 } }));
      expect((await next('stored')).data).toEqual([true, true, true]);
      ws.send(JSON.stringify({ event: 'fetch', data: { key: 'ws-key', r: 3 } }));
      const fetched = await next('fetched');
      expect(fetched.value).toEqual({ via: 'ws' });
      expect(fetched.data).toHaveLength(3);
      const put = await kvPut(b, 'watched', { v: 42 }, 'n=3&w=2');
      expect(put.status).toBe(200);
      const changed = await next('changed');
      expect(changed).toEqual({ key: 'watched', value: { v: 42 }, context: (put.body as { context: string }).context });
      ws.send('not json');
      expect((await next('error')).code).toBe('bad_frame');
      ws.send(JSON.stringify({ event: 'store', data: { key: 'ws-key', value: 1, n: 3, w: 4 } }));
      expect(await next('error')).toEqual({ code: 'bad_request', message: 'w must be between 1 and n (3)' });
    } finally {
      ws.close();
    }
  });

  it('bounds a request by its timeout when a replica is frozen (kill -STOP), and serves other requests meanwhile', async () => {
    c.signal('SIGSTOP');
    try {
      const started = Date.now();
      const r = await req(a, 'PUT', '/api/store/frozen?n=3&w=3&timeout=2000', '{"v":1}');
      const took = Date.now() - started;
      expect(took).toBeLessThan(2000 + 1000);
      expect([200, 504]).toContain(r.status);
      if (r.status === 504) expect((r.body.error as { code: string }).code).toBe('timeout');
      expect((await req(a, 'GET', '/api/store/conc-1?r=1')).status).toBe(200);
    } finally {
      c.signal('SIGCONT');
    }
    await until('kc to answer again', async () => (await req(c, 'GET', '/api/store/conc-2?r=1')).status === 200, 20000);
  });

  it('keeps serving every key through fallbacks after kill -9 of one node, w=3 included', async () => {
    await c.kill9();
    await until('kc down for ka and kb', async () => {
      const s = await Promise.all([a, b].map((n) => n.get<{ unreachable: string[] }>('/api/cluster/status')));
      return s.every((x) => x.body.unreachable.includes('kc@127.0.0.1'));
    }, 15000);
    const keys = Array.from({ length: 200 }, (_, i) => `conc-${i}`);
    const bad: string[] = [];
    await pool(keys, 20, async (k, i) => {
      const put = await kvPut([a, b][i % 2], `after-${k}`, { i }, 'n=3&w=2');
      if (put.status !== 200) bad.push(`put ${k} ${put.status}`);
      const get = await kvGet([b, a][i % 2], k, 'r=2');
      if (get.status !== 200 || JSON.stringify(get.body.value) !== JSON.stringify({ k })) bad.push(`get ${k} ${get.status} ${JSON.stringify(get.body)}`);
      const w3 = await kvPut(a, `w3-${k}`, { w3: true }, 'n=3&w=3');
      if (w3.status !== 200 || (w3.body as { data: unknown[] }).data.length !== 3) bad.push(`w3 ${k} ${w3.status}`);
    });
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
