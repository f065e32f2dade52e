/**
 * The TCP cluster transport end to end: real Nest microservices with a ClusterServer strategy,
 * TcpClusterClient and raw sockets, on ports picked by the OS.
 */
import { Socket, Server as NetServer, createServer, connect } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { ConnectionFraming, PROTOCOL_VERSION, ServerHandshake, encodeFrame, serverProof, WireMessage } from '../../lib/wire';
import { ClusterRequestError, ClusterErrorCode } from './cluster-errors';
import { ClusterServerOptions } from './cluster-server';
import { TcpClusterClientOptions } from './tcp-cluster-client';
import { requestFailure } from '../../../test/request-failure';
import { CaptureLogger, TransportHarness, freePort } from '../../../test/transport-harness';
import { TestModule, received } from '../../../test/transport-test-module';

const SECRET = 'tcp-test-secret';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function codeOf(p: Promise<unknown>): Promise<ClusterErrorCode> {
  return (await requestFailure(p)).code;
}

/** A raw socket to the server, collecting decoded frames; resolves once connected. */
async function rawSocket(port: number): Promise<{ socket: Socket; frames: WireMessage[]; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const frames: WireMessage[] = [];
  const framing = new ConnectionFraming();
  socket.on('data', (chunk: Buffer) => {
    for (const message of framing.receive(chunk)) frames.push(message);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, frames, closed };
}

const net = new TransportHarness({ secret: SECRET, module: TestModule });
const startNode = (opts?: Partial<ClusterServerOptions>) => net.startNode(opts);
const client = (opts?: Partial<TcpClusterClientOptions>) => net.client(opts);
afterEach(() => net.close());

describe('ClusterServer + TcpClusterClient', () => {
  it('answers requests through Nest handlers, with the authenticated peer in the context', async () => {
    const node = await startNode();
    const c = client();
    const payload = { a: 1, list: [1, 'two', null, { deep: true }], bin: Buffer.from([1, 2, 3]), text: 'ünïcode ✓' };
    await expect(c.request(node.addr, 'echo', payload)).resolves.toEqual(payload);
    const who = await c.request<{ node: string; address: string; pattern: string }>(node.addr, 'whoami', null);
    expect(who.node).toBe('client@test');
    expect(who.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(who.pattern).toBe('whoami');
    await expect(c.request(node.addr, 'stream', null)).resolves.toBe(3);
  });

  it('turns handler failures into remote errors with their code', async () => {
    const node = await startNode();
    const c = client();
    const refused = await requestFailure(c.request(node.addr, 'refuse', {}));
    expect([refused.code, refused.remoteCode, refused.message, refused.remoteDetails]).toEqual(['remote', 'not-owner', 'ask n2', { owner: 'n2' }]);
    const crashed = await requestFailure(c.request(node.addr, 'crash', {}));
    expect([crashed.code, crashed.remoteCode]).toEqual(['remote', 'internal']);
    const rejected = await requestFailure(c.request(node.addr, 'reject-string', {}));
    expect([rejected.code, rejected.remoteCode, rejected.message]).toEqual(['remote', 'internal', 'plain refusal']);
    const streamed = await requestFailure(c.request(node.addr, 'stream-error', {}));
    expect([streamed.code, streamed.remoteCode, streamed.message]).toEqual(['remote', 'stream-failed', 'no luck']);
    const unknown = await requestFailure(c.request(node.addr, 'no.such.pattern', {}));
    expect([unknown.code, unknown.remoteCode]).toEqual(['remote', 'no-handler']);
    const badReply = await requestFailure(c.request(node.addr, 'unserialisable', {}));
    expect([badReply.code, badReply.remoteCode]).toEqual(['remote', 'bad-reply']);
    // the connection survived all of it
    await expect(c.request(node.addr, 'echo', 'still here')).resolves.toBe('still here');
  });

  it('refuses to send what cannot be encoded or exceeds the frame limit, without harming the connection', async () => {
    const node = await startNode();
    const c = client({ maxFrameBytes: 1024 });
    expect(await codeOf(c.request(node.addr, 'echo', { s: Symbol('x') }))).toBe('bad-frame');
    expect(await codeOf(c.request(node.addr, 'echo', 'x'.repeat(2000)))).toBe('bad-frame');
    await expect(c.request(node.addr, 'echo', 'small')).resolves.toBe('small');
  });

  it('times a request out and drops its late reply', async () => {
    const node = await startNode();
    const c = client();
    const started = Date.now();
    const late = await requestFailure(c.request(node.addr, 'slow', 300, { timeoutMs: 100 }));
    expect(late.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(280);
    await sleep(300); // the late reply arrives now and must not disturb anything
    await expect(c.request(node.addr, 'slow', 1)).resolves.toBe('slept 1');
  });

  it('fails fast with unreachable when nothing listens', async () => {
    const port = await freePort();
    const c = client();
    const started = Date.now();
    expect(await codeOf(c.request(`127.0.0.1:${port}`, 'echo', 1, { timeoutMs: 5000 }))).toBe('unreachable');
    expect(await codeOf(c.request(`127.0.0.1:${port}`, 'echo', 1, { timeoutMs: 5000 }))).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await codeOf(c.request('no-port', 'echo', 1))).toBe('unreachable');
  });

  it('reconnects after the server restarts', async () => {
    const first = await startNode();
    const c = client({ minBackoffMs: 20, maxBackoffMs: 200 });
    await expect(c.request(first.addr, 'echo', 'before')).resolves.toBe('before');
    const pending = codeOf(c.request(first.addr, 'slow', 2000));
    await sleep(20);
    await net.stopNode(first);
    expect(await pending).toBe('closed');
    expect(['unreachable', 'closed']).toContain(await codeOf(c.request(first.addr, 'echo', 'down')));
    await startNode({ port: first.port });
    let answer: unknown;
    for (let i = 0; i < 100 && answer === undefined; i++) {
      answer = await c.request(first.addr, 'echo', 'after').catch(() => sleep(30).then(() => undefined));
    }
    expect(answer).toBe('after');
  });

  it('ends the backoff towards a peer known to be up again: a restarted peer is not refused with the old failure', async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    // A backoff far longer than the test: only peerAlive() can end it.
    const c = client({ minBackoffMs: 60_000, maxBackoffMs: 60_000 });
    expect(await codeOf(c.request(addr, 'echo', 'down'))).toBe('unreachable');
    await startNode({ port });
    const stale = await requestFailure(c.request(addr, 'echo', 'up, but the link is backing off'));
    expect(stale.code).toBe('unreachable');
    expect(stale.message).toMatch(/ECONNREFUSED.*reconnecting with backoff/);

    c.peerAlive(`127.0.0.1:${await freePort()}`); // no link there: none is created
    expect(c.addresses()).toEqual([addr]);
    c.peerAlive(addr);
    await expect(c.request(addr, 'echo', 'after')).resolves.toBe('after');
    c.peerAlive(addr); // connected: nothing to end
    await expect(c.request(addr, 'echo', 'still')).resolves.toBe('still');
  });

  it('after peerAlive with no request waiting, the next request connects at once', async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const c = client({ minBackoffMs: 60_000, maxBackoffMs: 60_000 });
    expect(await codeOf(c.request(addr, 'echo', 'down'))).toBe('unreachable');
    await startNode({ port });
    c.peerAlive(addr);
    await expect(c.request(addr, 'echo', 'after')).resolves.toBe('after');
  });

  it('gives up on a server that never completes the handshake', async () => {
    const silentSockets: Socket[] = [];
    const silentServer: NetServer = createServer((socket) => {
      silentSockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    const address = silentServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = Date.now();
      const err = await requestFailure(client({ handshakeTimeoutMs: 100 }).request(`127.0.0.1:${port}`, 'echo', 1, { timeoutMs: 5000 }));
      expect(err.code).toBe('unreachable');
      expect(err.message).toContain('no handshake');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const socket of silentSockets) socket.destroy();
      await new Promise<void>((resolve) => silentServer.close(() => resolve()));
    }
  });

  it('refuses a client with the wrong secret and keeps serving good clients', async () => {
    const node = await startNode();
    const intruder = client({ secret: 'wrong-secret' });
    const refused = await requestFailure(intruder.request(node.addr, 'echo', 'let me in'));
    expect(refused.code).toBe('auth');
    expect(node.logger.warnings().some((l) => l.includes('did not prove knowledge of the cluster secret'))).toBe(true);
    await expect(client().request(node.addr, 'echo', 'friend')).resolves.toBe('friend');
  });

  it('refuses a server that cannot prove the secret (mutual authentication)', async () => {
    // an impostor that accepts any client and answers with a proof made with another secret
    const impostorSockets: Socket[] = [];
    const impostor: NetServer = createServer((socket) => {
      impostorSockets.push(socket);
      socket.on('error', () => undefined);
      const framing = new ConnectionFraming();
      const nonce = 'ab'.repeat(32);
      socket.write(encodeFrame(new ServerHandshake({ secret: 'other', node: 'impostor@test', nonce }).challenge()));
      socket.on('data', (chunk: Buffer) => {
        for (const m of framing.receive(chunk)) {
          if (m.t === 'auth') {
            socket.write(encodeFrame({ t: 'welcome', v: PROTOCOL_VERSION, proof: serverProof('other', m.nonce, nonce, 'impostor@test', m.node) }));
          }
        }
      });
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const address = impostor.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const logger = new CaptureLogger();
      const c = client({ logger });
      expect(await codeOf(c.request(`127.0.0.1:${port}`, 'echo', 'secret data'))).toBe('auth');
      expect(logger.warnings().some((l) => l.includes("node 'impostor@test' did not prove knowledge of the cluster secret"))).toBe(true);
    } finally {
      for (const socket of impostorSockets) socket.destroy();
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });

  it('closes a connection that sends garbage, and keeps serving', async () => {
    const node = await startNode();
    const raw = await rawSocket(node.port);
    raw.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await raw.closed;
    expect(raw.frames[0]?.t).toBe('challenge');
    expect(raw.frames.at(-1)).toMatchObject({ t: 'bye', code: 'bad-frame' });
    expect(node.logger.warnings().some((l) => l.includes('closing cluster connection') && l.includes('oversize'))).toBe(true);
    await expect(client().request(node.addr, 'echo', 'ok')).resolves.toBe('ok');
  });

  it('closes a connection on a bad shape, an unknown version, or a request before authentication', async () => {
    const node = await startNode();
    const bodies: unknown[] = [
      { t: 'auth', v: 2, node: 'x', nonce: 'ab'.repeat(32), proof: 'cd'.repeat(32) },
      { t: 'auth', v: PROTOCOL_VERSION, node: 'x' },
      { t: 'req', v: PROTOCOL_VERSION, id: 1, pattern: 'echo', data: 'sneaky' },
      [1, 2, 3],
    ];
    for (const body of bodies) {
      const raw = await rawSocket(node.port);
      raw.socket.write(encodeFrame(body));
      await raw.closed;
      expect(raw.frames.some((f) => f.t === 'res')).toBe(false);
    }
    const warnings = node.logger.warnings().join('\n');
    expect(warnings).toContain('unsupported protocol version 2 (this node speaks 3; every node of a cluster must speak the same version)');
    expect(warnings).toContain("'req' before authentication");
    await expect(client().request(node.addr, 'echo', 'ok')).resolves.toBe('ok');
  });

  it('closes a connection that does not authenticate in time', async () => {
    const node = await startNode({ handshakeTimeoutMs: 150 });
    const raw = await rawSocket(node.port);
    const started = Date.now();
    await raw.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(raw.frames.map((f) => f.t)).toEqual(['challenge', 'bye']);
    expect(raw.frames[1]).toMatchObject({ code: 'handshake-timeout' });
    expect(node.logger.warnings().some((l) => l.includes('no valid authentication within 150 ms'))).toBe(true);
    await expect(client().request(node.addr, 'echo', 'ok')).resolves.toBe('ok');
  });

  it('answers 1,000 concurrent requests, each with its own reply', async () => {
    const node = await startNode();
    const c = client();
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ i, text: `payload-${i}`.repeat(1 + (i % 7)) }));
    const answers = await Promise.all(inputs.map((input) => c.request(node.addr, 'echo', input)));
    expect(answers).toEqual(inputs);
  });

  it('reports EADDRINUSE through listen()', async () => {
    const node = await startNode();
    const err: unknown = await startNode({ port: node.port }).then(
      () => new Error('second listen succeeded'),
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('EADDRINUSE');
    expect(String((err as Error).message)).toContain(`127.0.0.1:${node.port}`);
  });

  it('refuses new requests with overload when the peer stops reading', async () => {
    // a peer that authenticates properly, then never reads again
    let peerSocket: Socket | null = null;
    const stalled: NetServer = createServer((socket) => {
      peerSocket = socket;
      socket.on('error', () => undefined);
      const framing = new ConnectionFraming();
      const handshake = new ServerHandshake({ secret: SECRET, node: 'stalled@test', nonce: 'ef'.repeat(32) });
      socket.write(encodeFrame(handshake.challenge()));
      socket.on('data', (chunk: Buffer) => {
        for (const m of framing.receive(chunk)) {
          if (m.t !== 'auth') continue;
          const verdict = handshake.verify(m);
          if (verdict.ok) socket.write(encodeFrame(verdict.value.welcome));
          socket.pause();
          return;
        }
      });
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const address = stalled.address();
    const addr = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const c = client({ maxQueuedBytes: 1024 * 1024 });
      await expect(c.request(addr, 'warmup', null, { timeoutMs: 50 }).catch((e: ClusterRequestError) => e.code)).resolves.toBe('timeout');
      const chunk = Buffer.alloc(256 * 1024, 7);
      const results: Array<Promise<ClusterErrorCode | 'ok'>> = [];
      let overloaded = false;
      for (let i = 0; i < 400 && !overloaded; i++) {
        const r = c.request(addr, 'blob', chunk, { timeoutMs: 500 }).then(
          () => 'ok' as const,
          (e: ClusterRequestError) => e.code,
        );
        results.push(r);
        // overload is reported synchronously through an already-rejected promise
        await Promise.resolve();
        overloaded = (await Promise.race([r, Promise.resolve('pending' as const)])) === 'overload';
      }
      expect(overloaded).toBe(true);
      // queued bytes stayed bounded: at most ~1 MiB waits in our queue
      const codes = await Promise.all(results);
      expect(codes.filter((x) => x === 'overload')).toHaveLength(1);
      expect(codes.filter((x) => x === 'ok')).toHaveLength(0);
    } finally {
      (peerSocket as Socket | null)?.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });

  it('acts as a Nest ClientProxy for one peer: send() and emit()', async () => {
    const node = await startNode();
    const c = client();
    const proxy = c.peer(node.addr);
    await expect(firstValueFrom(proxy.send('echo', { via: 'send' }))).resolves.toEqual({ via: 'send' });
    received.length = 0;
    await firstValueFrom(proxy.emit('note', { event: 1 }), { defaultValue: undefined });
    for (let i = 0; i < 50 && received.length === 0; i++) await sleep(10);
    expect(received).toEqual([{ event: 1 }]);
    expect(proxy.peerNode).toBe('server@test');
  });

  it('disconnect() and close() fail what is pending with closed', async () => {
    const node = await startNode();
    const c = client();
    const pending = codeOf(c.request(node.addr, 'slow', 1000));
    await sleep(20);
    c.disconnect(node.addr);
    expect(await pending).toBe('closed');
    await expect(c.request(node.addr, 'echo', 'again')).resolves.toBe('again');
    const pendingAtClose = codeOf(c.request(node.addr, 'slow', 1000));
    await sleep(20);
    await c.close();
    expect(await pendingAtClose).toBe('closed');
    expect(await codeOf(c.request(node.addr, 'echo', 'after close'))).toBe('closed');
  });

  it('closing the server ends its connections; clients see closed', async () => {
    const node = await startNode();
    const c = client();
    await c.request(node.addr, 'echo', 'warm');
    const pending = requestFailure(c.request(node.addr, 'slow', 1000));
    await sleep(20);
    const started = Date.now();
    await node.server.close();
    expect(Date.now() - started).toBeLessThan(900);
    const err = await pending;
    expect(err.code).toBe('closed');
    expect(err.message).toContain('shutting down');
  });
});
