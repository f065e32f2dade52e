/**
 * The cluster port only talks to nodes that know CLUSTER_SECRET; garbage and strangers are closed
 * and logged, and the node keeps serving (libs/riak-core/PROTOCOL.md). With CLUSTER_TLS_*, only nodes with a
 * certificate from the cluster CA get in.
 */
import { connect, Socket } from 'node:net';
import { TestCluster, NodeProcess, ringnest, status, until, waitSettled } from './support/cluster';
import { kvGet, kvPut } from './support/kv';
import { makeCa, makeNodeCert, tlsEnv } from './support/tls-certs';

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

describe('cluster transport security', () => {
  const cluster = new TestCluster();
  let a: NodeProcess;
  afterAll(() => cluster.stopAll());
  beforeAll(async () => {
    a = await cluster.started('ta', { env: { CLUSTER_SECRET: 'the-right-secret' } });
  });

  it('closes a connection that sends garbage, and stays up', async () => {
    const s = connect(a.spec.clusterPort, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume();
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\u0000\u00ff garbage garbage'));
    expect(await closedWithin(s, 10000)).toBe(true);
    expect((await a.get('/health')).status).toBe(200);
    expect(a.running).toBe(true);
  });

  it('closes a connection that never proves the secret', async () => {
    const s = connect(a.spec.clusterPort, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    expect(await closedWithin(s, 10000)).toBe(true);
    expect((await a.get('/health')).status).toBe(200);
  });

  it('refuses a node with the wrong secret, which cannot join', async () => {
    const b = await cluster.started('tb', { env: { CLUSTER_SECRET: 'a-wrong-secret' } });
    const r = await ringnest(['--node', `127.0.0.1:${b.spec.httpPort}`, 'join', a.clusterAddr]);
    expect(r.code).toBe(1);
    expect((r.stdout + r.stderr).trim()).toBe(`Node ${a.clusterAddr} is not reachable!`);
    expect((await status(a)).members.map((m) => m.node)).toEqual(['ta@127.0.0.1']);
    await until('the refusal to be logged', () => a.logged(/auth|proof|secret/i), 10000);
    expect(a.running).toBe(true);
    expect((await a.get('/health')).status).toBe(200);
  });

  it('answers an unreadable HTTP request with the JSON error shape, and stays up', async () => {
    const answer = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      const s = connect(a.spec.httpPort, '127.0.0.1', () =>
        s.write(Buffer.concat([Buffer.from('GET /api/st'), Buffer.from([0xff, 0x01]), Buffer.from('ore HTTP/1.1\r\nHost: x\r\n\r\n')])),
      );
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => undefined);
      s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    expect(answer.startsWith('HTTP/1.1 400 Bad Request')).toBe(true);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'bad_request', message: 'malformed HTTP request' } });
    expect((await a.get('/health')).status).toBe(200);
  });
});

describe('cluster transport over TLS (CLUSTER_TLS_CERT, CLUSTER_TLS_KEY, CLUSTER_TLS_CA)', () => {
  const cluster = new TestCluster();
  let a: NodeProcess, b: NodeProcess;
  let env: (name: string) => Record<string, string>;
  afterAll(() => cluster.stopAll());
  beforeAll(async () => {
    const ca = makeCa(cluster.dir, 'cluster-ca');
    env = (name) => ({ CLUSTER_SECRET: 'the-tls-secret', ...tlsEnv(makeNodeCert(cluster.dir, name, ca), ca) });
    [a, b] = await Promise.all([cluster.started('la', { env: env('la') }), cluster.started('lb', { env: env('lb') })]);
  }, 60000);

  it('forms a cluster of two TLS nodes that serve each other\'s data', async () => {
    const join = await ringnest(['--node', `127.0.0.1:${b.spec.httpPort}`, 'join', a.clusterAddr]);
    expect(join.code).toBe(0);
    await waitSettled([a, b], 60000);
    const ms = await ringnest(['--node', `127.0.0.1:${a.spec.httpPort}`, 'member-status']);
    expect(ms.code).toBe(0);
    expect(ms.stdout).toMatch(/^valid .*'la@127\.0\.0\.1'$/m);
    expect(ms.stdout).toMatch(/^valid .*'lb@127\.0\.0\.1'$/m);
    expect(ms.stdout).toContain('Valid:2 / Leaving:0');
    expect((await kvPut(a, 'over-tls', { secret: 'sauce' }, 'n=2&w=2')).status).toBe(200);
    const got = await kvGet(b, 'over-tls', 'n=2&r=2');
    expect(got.status).toBe(200);
    expect(got.body.value).toEqual({ secret: 'sauce' });
  }, 90000);

  it('refuses a node without TLS, which cannot join; the TLS nodes keep serving', async () => {
    const plain = await cluster.started('lplain', { env: { CLUSTER_SECRET: 'the-tls-secret' } });
    const r = await ringnest(['--node', `127.0.0.1:${plain.spec.httpPort}`, 'join', a.clusterAddr]);
    expect(r.code).toBe(1);
    expect((r.stdout + r.stderr).trim()).toBe(`Node ${a.clusterAddr} is not reachable!`);
    await until('the refused TLS handshake to be logged', () => a.logged(/TLS handshake failed/), 15000);
    expect((await status(a)).members.map((m) => m.node).sort()).toEqual(['la@127.0.0.1', 'lb@127.0.0.1']);
    expect(a.running && b.running && plain.running).toBe(true);
    expect((await kvGet(b, 'over-tls', 'n=2&r=2')).body.value).toEqual({ secret: 'sauce' });
  }, 60000);

  it('exits 2 with one line naming the variable when the TLS configuration is incomplete', async () => {
    const broken = await cluster.node('lbroken', { env: { CLUSTER_TLS_CERT: env('lbroken')['CLUSTER_TLS_CERT'] } });
    await expect(broken.start()).rejects.toThrow(/exited early/);
    expect(await broken.exited()).toBe(2);
    expect(broken.log()).toMatch(/^ringnest: invalid configuration: CLUSTER_TLS_KEY: must be set when CLUSTER_TLS_CERT is[^\n]*\n$/);
  });
});
