/**
 * The TCP cluster transport against hostile peers, over real loopback sockets: what a stranger can
 * make a node hold before authenticating (small frames, handshake messages only, a bounded number
 * of slots), and what a man in the middle can do after a handshake he relayed (nothing: every
 * frame carries a MAC under keys he does not have).
 */
import { Socket, connect } from 'node:net';
import {
  ConnectionFraming,
  FrameReader,
  MAC_TAG_BYTES,
  PROTOCOL_VERSION,
  ServerHandshake,
  encodeFrame,
  encodeMessage,
  plainFrame,
} from '../../lib/wire';
import { ClusterServer, ClusterServerOptions } from './cluster-server';
import { TcpClusterClientOptions } from './tcp-cluster-client';
import { requestFailure } from '../../../test/request-failure';
import { CaptureLogger, TransportHarness, TransportNode } from '../../../test/transport-harness';
import { HOSTILE_SECRET, HostileTestModule, RawClient, header, recorded, structuredCloneDag } from '../../../test/hostile-peer';
import { until } from '../../testing/until';

const SECRET = HOSTILE_SECRET;
const net = new TransportHarness({ secret: SECRET, module: HostileTestModule, client: { minBackoffMs: 1, maxBackoffMs: 1 } });
const startNode = (opts?: Partial<ClusterServerOptions>) => net.startNode(opts);
const client = (opts?: Partial<TcpClusterClientOptions>) => net.client(opts);
const listen = (onSocket: (socket: Socket) => void) => net.listen(onSocket);
afterEach(async () => {
  recorded.length = 0;
  await net.close();
});


describe('before authentication', () => {
  it('refuses a frame header over 4 KiB as soon as it is read, without waiting for the body', async () => {
    const node = await startNode();
    for (const length of [4097, 60 * 1024 * 1024]) {
      const raw = await RawClient.open(net, node.port);
      await raw.next('challenge');
      const started = Date.now();
      raw.socket.write(header(length)); // no body follows: only the header can be the reason
      await raw.closed;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(raw.received.at(-1)).toMatchObject({ t: 'bye', code: 'bad-frame' });
    }
    expect(node.logger.warnings().filter((l) => l.includes('limit is 4096'))).toHaveLength(2);
    // a frame of exactly 4 KiB is read (and refused for what it is, not for its size)
    const raw = await RawClient.open(net, node.port);
    raw.socket.write(Buffer.concat([header(4096), Buffer.alloc(4096, 0xc0)]));
    await raw.closed;
    expect(node.logger.warnings().at(-1)).toContain('not a handshake message');
    await expect(client().request(node.addr, 'echo', 'still serving')).resolves.toBe('still serving');
  });

  it('closes at once on a decoder bomb as the first frame: nothing but the handshake decoder reads it', async () => {
    const node = await startNode();
    // the bytes msgpackr's own encoder (structuredClone: true) gives for three levels
    expect(structuredCloneDag(3).toString('hex')).toBe(
      'de0002a16cd66900000003de0002a16cd66900000002de0002a16cd66900000001de0001a170a178a172d67000000001a172d67000000002a172d67000000003',
    );
    const bombs = [
      // structured-clone references: a DAG that expands to 2^40 leaves when followed
      structuredCloneDag(40),
      // an array announcing 2^32-1 elements
      Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]),
      // 4,000 nested arrays
      Buffer.alloc(4000, 0x91),
    ];
    for (const bomb of bombs) {
      expect(bomb.length).toBeLessThanOrEqual(4096);
      const raw = await RawClient.open(net, node.port);
      const started = Date.now();
      raw.socket.write(plainFrame(bomb));
      await raw.closed;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(raw.received.at(-1)).toMatchObject({ t: 'bye', code: 'bad-frame' });
    }
    expect(node.logger.warnings().filter((l) => l.includes('not a handshake message'))).toHaveLength(3);
    await expect(client().request(node.addr, 'echo', 'ok')).resolves.toBe('ok');
  });

  it('a client refuses an oversize frame from a server before its welcome', async () => {
    const port = await listen((socket) => socket.write(header(64 * 1024)));
    const err = await requestFailure(client().request(`127.0.0.1:${port}`, 'echo', 1));
    expect(err.code).toBe('bad-frame');
    expect(err.message).toContain('limit is 4096');
  });

  it('a client refuses a server that speaks protocol version 2, saying so', async () => {
    const port = await listen((socket) => socket.write(encodeFrame({ t: 'challenge', v: 2, node: 'old@test', nonce: 'ab'.repeat(32) })));
    const err = await requestFailure(client().request(`127.0.0.1:${port}`, 'echo', 1));
    expect(err.code).toBe('bad-frame');
    expect(err.message).toContain('unsupported protocol version 2 (this node speaks 3');
  });
});

describe('unauthenticated connection limits', () => {
  it('closes a connection over the per-address limit at once, while other addresses still get in', async () => {
    const node = await startNode({ maxUnauthenticated: 10, maxUnauthenticatedPerAddress: 2 });
    const held = [await RawClient.open(net, node.port, '127.0.0.2'), await RawClient.open(net, node.port, '127.0.0.2')];
    for (const raw of held) await raw.next('challenge');
    const extra = await RawClient.open(net, node.port, '127.0.0.2');
    await extra.closed;
    expect(extra.received).toMatchObject([{ t: 'bye', code: 'busy' }]);
    // another address, and an authenticating peer, are not affected
    const other = await RawClient.open(net, node.port, '127.0.0.3');
    await other.next('challenge');
    await expect(client().request(node.addr, 'echo', 'authenticated')).resolves.toBe('authenticated');
    expect(node.server.unauthenticatedCount).toBe(3);
    // a slot comes back when its connection closes
    held[0].socket.destroy();
    await until('the slot to be released', () => node.server.unauthenticatedCount === 2);
    const again = await RawClient.open(net, node.port, '127.0.0.2');
    await again.next('challenge');
    expect(again.isClosed).toBe(false);
  });

  it('closes connections over the overall limit at once, logs that rate-limited, and keeps authenticated peers talking', async () => {
    const node = await startNode({ maxUnauthenticated: 3, maxUnauthenticatedPerAddress: 3 });
    const friend = client();
    await expect(friend.request(node.addr, 'echo', 'before')).resolves.toBe('before');
    const held = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((a) => RawClient.open(net, node.port, a)));
    for (const raw of held) await raw.next('challenge');
    const refused = await Promise.all(Array.from({ length: 20 }, (_, i) => RawClient.open(net, node.port, `127.0.1.${i + 1}`)));
    await Promise.all(refused.map((r) => r.closed));
    for (const r of refused) expect(r.received).toMatchObject([{ t: 'bye', code: 'busy' }]);
    // a newcomer with the secret is refused too while every slot is taken, with a clear reason
    const late = await requestFailure(client().request(node.addr, 'echo', 'late'));
    expect(late.code).toBe('unreachable');
    expect(late.message).toContain('too many cluster connections have not authenticated yet');
    // the connection authenticated before the flood keeps working
    await expect(friend.request(node.addr, 'echo', 'during')).resolves.toBe('during');
    expect(node.logger.warnings().filter((l) => l.includes('refused cluster connection'))).toHaveLength(1);
    expect(node.logger.warnings()[0]).toContain('3 connections have not authenticated yet (limit 3)');
    held[0].socket.destroy();
    await until('the slot to be released', () => node.server.unauthenticatedCount === 2);
    await expect(client().request(node.addr, 'echo', 'after')).resolves.toBe('after');
    await node.server.close();
    expect(node.logger.warnings().some((l) => /20 more cluster connections refused over the unauthenticated limit in the last 10 s/.test(l))).toBe(true);
  });

  it('gives the slot back once the peer authenticates', async () => {
    const node = await startNode({ maxUnauthenticated: 1, maxUnauthenticatedPerAddress: 1 });
    for (let i = 0; i < 3; i++) {
      await expect(client().request(node.addr, 'echo', i)).resolves.toBe(i);
      expect(node.server.unauthenticatedCount).toBe(0);
    }
  });

  it('refuses invalid limits', () => {
    expect(() => new ClusterServer({ port: 0, nodeName: 'a@b', secret: 's', maxUnauthenticated: 0 })).toThrow(RangeError);
    expect(() => new ClusterServer({ port: 0, nodeName: 'a@b', secret: 's', maxUnauthenticatedPerAddress: 1.5 })).toThrow(RangeError);
  });

  it('200 strangers each sending a 60 MiB frame cost the node a few MiB, and a valid peer still connects', async () => {
    const node = await startNode({ handshakeTimeoutMs: 1000 });
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const attack = async (i: number): Promise<void> => {
      const raw = await RawClient.open(net, node.port, `127.0.2.${(i % 50) + 1}`).catch(() => null);
      if (!raw) return; // refused while connecting: nothing held
      raw.socket.write(header(60 * 1024 * 1024));
      for (let k = 0; k < 8 && !raw.isClosed; k++) raw.socket.write(chunk); // 2 MiB of body
      // the node should close at once; the bound only keeps a broken node from hanging the test
      await Promise.race([raw.closed, new Promise((resolve) => setTimeout(resolve, 1500))]);
      raw.socket.destroy();
    };
    try {
      for (let wave = 0; wave < 4; wave++) await Promise.all(Array.from({ length: 50 }, (_, i) => attack(wave * 50 + i)));
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
    await until('every slot to be released', () => node.server.unauthenticatedCount === 0);
    await expect(client().request(node.addr, 'echo', 'valid')).resolves.toBe('valid');
  }, 20000);
});

describe('after authentication: every frame carries a MAC', () => {
  async function authenticated(node: TransportNode): Promise<RawClient> {
    const raw = await RawClient.open(net, node.port);
    await raw.authenticate();
    return raw;
  }

  it('a hand-driven client with valid MACs is served', async () => {
    const node = await startNode();
    const raw = await authenticated(node);
    raw.socket.write(raw.requestFrame(1, 'record', 'first'));
    raw.socket.write(raw.requestFrame(2, 'record', 'second'));
    await until('both replies', () => raw.received.filter((m) => m.t === 'res').length === 2);
    expect(recorded).toEqual(['first', 'second']);
  });

  it('closes the connection on a bad tag, a missing tag, a replayed or a reordered frame; the handler never sees them', async () => {
    const node = await startNode();
    const cases: Array<[string, (raw: RawClient) => Buffer[]]> = [
      [
        'bad tag',
        (raw) => {
          const f = raw.requestFrame(1, 'record', 'forged');
          f[f.length - 1] ^= 0xff;
          return [f];
        },
      ],
      ['missing tag', () => [plainFrame(encodeMessage({ t: 'req', v: PROTOCOL_VERSION, id: 1, pattern: 'record', data: 'untagged' }))]],
      [
        'replayed',
        (raw) => {
          const f = raw.requestFrame(1, 'record', 'once');
          return [f, f];
        },
      ],
      [
        'reordered',
        (raw) => {
          const first = raw.requestFrame(1, 'record', 'one');
          const second = raw.requestFrame(2, 'record', 'two');
          return [second, first];
        },
      ],
    ];
    for (const [name, frames] of cases) {
      recorded.length = 0;
      const raw = await authenticated(node);
      const warningsBefore = node.logger.warnings().length;
      for (const f of frames(raw)) raw.socket.write(f);
      await raw.closed;
      if (name === 'replayed') await until('the first copy to run', () => recorded.length === 1);
      expect([name, recorded]).toEqual([name, name === 'replayed' ? ['once'] : []]);
      const warning = node.logger.warnings().slice(warningsBefore).join('\n');
      expect([name, warning]).toEqual([name, expect.stringMatching(/^warn closing cluster connection from node 'raw@test' at .*failed its MAC check/)]);
    }
    await expect(client().request(node.addr, 'echo', 'still serving')).resolves.toBe('still serving');
  });

  it('a client closes a connection whose server sends a reply with a bad tag', async () => {
    const port = await listen((socket) => {
      const framing = new ConnectionFraming();
      const handshake = new ServerHandshake({ secret: SECRET, node: 'fake@test', nonce: 'f0'.repeat(32) });
      socket.write(framing.frame(encodeMessage(handshake.challenge())));
      socket.on('data', (chunk: Buffer) => {
        for (const m of framing.receive(chunk)) {
          if (m.t === 'auth') {
            const verdict = handshake.verify(m);
            if (!verdict.ok) return;
            socket.write(framing.frame(encodeMessage(verdict.value.welcome)));
            framing.startSession(verdict.value.keys);
          } else if (m.t === 'req') {
            const reply = framing.frame(encodeMessage({ t: 'res', v: PROTOCOL_VERSION, id: m.id, data: 'tampered' }));
            reply[reply.length - MAC_TAG_BYTES] ^= 1;
            socket.write(reply);
          }
        }
      });
    });
    const logger = new CaptureLogger();
    const err = await requestFailure(client({ logger }).request(`127.0.0.1:${port}`, 'echo', 'hi'));
    expect(err.code).toBe('bad-frame');
    expect(logger.warnings().join('\n')).toContain('failed its MAC check');
  });
});

describe('a man in the middle who relays the handshake', () => {
  type Tamper = 'none' | 'inject' | 'alter' | 'splice';

  /**
   * An impostor that accepts the client's connection, opens its own to the real server, relays
   * every frame both ways, and then, once the handshake is through, attacks as told:
   * - inject: sends a request of its own to the server (it has no key: it reuses a tag it saw);
   * - alter: changes one byte of the client's first request body;
   * - splice: replaces the client's first request with one recorded on an earlier relayed connection.
   */
  async function impostor(serverPort: number, tamper: Tamper): Promise<number> {
    let recordedRequest: Buffer | null = null;
    return listen((fromClient) => {
      const toServer = connect({ host: '127.0.0.1', port: serverPort });
      net.sockets.push(toServer);
      toServer.on('error', () => undefined);
      toServer.on('close', () => fromClient.destroy());
      fromClient.on('close', () => toServer.destroy());
      toServer.on('data', (chunk: Buffer) => fromClient.write(chunk));
      const upstream = new FrameReader(1 << 20);
      let count = 0;
      fromClient.on('data', (chunk: Buffer) => {
        for (const payload of upstream.feed(chunk)) {
          const index = count++;
          let out: Buffer = Buffer.concat([header(payload.length), payload]);
          if (index === 1) {
            // the client's first frame after its auth: a request
            if (tamper === 'inject') {
              const forged = encodeMessage({ t: 'req', v: PROTOCOL_VERSION, id: 99, pattern: 'record', data: 'injected' });
              toServer.write(Buffer.concat([header(forged.length + MAC_TAG_BYTES), forged, payload.subarray(payload.length - MAC_TAG_BYTES)]));
            } else if (tamper === 'alter') {
              out = Buffer.from(out);
              const at = out.indexOf('pay 10');
              out.write('pay 90', at);
            } else if (tamper === 'splice') {
              if (recordedRequest) out = recordedRequest;
              else recordedRequest = out;
            }
          }
          toServer.write(out);
        }
      });
    });
  }

  it('relays faithfully: the handshake verifies end to end and requests go through (the control case)', async () => {
    const node = await startNode();
    const port = await impostor(node.port, 'none');
    await expect(client().request(`127.0.0.1:${port}`, 'record', 'pay 10')).resolves.toBe('recorded');
    expect(recorded).toEqual(['pay 10']);
  });

  it('cannot inject a request of its own', async () => {
    const node = await startNode();
    const port = await impostor(node.port, 'inject');
    const c = client();
    const err = await requestFailure(c.request(`127.0.0.1:${port}`, 'record', 'pay 10'));
    expect(err.code).toBe('closed');
    expect(recorded).toEqual([]);
    await until('the refusal to be logged', () => node.logger.warnings().some((l) => l.includes('failed its MAC check')));
  });

  it('cannot alter a request in flight', async () => {
    const node = await startNode();
    const port = await impostor(node.port, 'alter');
    const err = await requestFailure(client().request(`127.0.0.1:${port}`, 'record', 'pay 10'));
    expect(err.code).toBe('closed');
    expect(recorded).toEqual([]);
    await until('the refusal to be logged', () => node.logger.warnings().some((l) => l.includes('failed its MAC check')));
  });

  it('cannot splice a request recorded on another connection into a new one', async () => {
    const node = await startNode();
    const port = await impostor(node.port, 'splice');
    const first = client();
    await expect(first.request(`127.0.0.1:${port}`, 'record', 'pay 10')).resolves.toBe('recorded');
    const err = await requestFailure(client().request(`127.0.0.1:${port}`, 'record', 'pay 20'));
    expect(err.code).toBe('closed');
    expect(recorded).toEqual(['pay 10']);
  });
});
