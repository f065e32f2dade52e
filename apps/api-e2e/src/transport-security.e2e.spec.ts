/**
 * The cluster port only talks to nodes that know CLUSTER_SECRET; garbage and strangers are closed
 * and logged, and the node keeps serving (SPEC §8).
 */
import { connect, Socket } from 'node:net';
import { TestCluster, NodeProcess, ringnest, status, waitFor } from './support/cluster';

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
    await waitFor('the refusal to be logged', () => /auth|proof|secret/i.test(a.log()), 10000);
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
