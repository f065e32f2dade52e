/**
 * The cluster transport over TLS, end to end on loopback with certificates made by openssl for
 * the test: mutual certificate verification against the CA, the HMAC handshake inside the TLS
 * session, and refusals (another CA, plain TCP against TLS, TLS against plain TCP) that are logged
 * while the server keeps serving.
 */
import { Controller, Module } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { connect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { PemFiles, TestPki } from '../../../test/tls-certs';
import { ClusterContext } from './cluster-context';
import { ClusterServerOptions } from './cluster-server';
import { ClusterTlsOptions } from './cluster-tls';
import { TcpClusterClientOptions } from './tcp-cluster-client';
import { requestFailure } from '../../../test/request-failure';
import { until } from '../../testing/until';
import { TransportHarness } from '../../../test/transport-harness';

const SECRET = 'tls-test-secret';

@Controller()
class TlsTestController {
  @MessagePattern('echo')
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  @MessagePattern('whoami')
  whoami(@Ctx() ctx: ClusterContext): string {
    return ctx.getPeerNode();
  }
}

@Module({ controllers: [TlsTestController] })
class TlsTestModule {}

const pki = new TestPki();
let caA: PemFiles;
let caB: PemFiles;
let tls1: ClusterTlsOptions;
let tls2: ClusterTlsOptions;
/** a certificate from CA B, trusting CA A: the server must refuse it */
let strangerTrustingA: ClusterTlsOptions;
/** a node of CA A that trusts only CA B: it must refuse the server */
let n3TrustingB: ClusterTlsOptions;

beforeAll(() => {
  caA = pki.ca('ca-a');
  caB = pki.ca('ca-b');
  const n1 = pki.node('n1', caA);
  const n2 = pki.node('n2', caA);
  const n3 = pki.node('n3', caA);
  const stranger = pki.node('stranger', caB);
  tls1 = { cert: n1.cert, key: n1.key, ca: caA.cert };
  tls2 = { cert: n2.cert, key: n2.key, ca: caA.cert };
  strangerTrustingA = { cert: stranger.cert, key: stranger.key, ca: caA.cert };
  n3TrustingB = { cert: n3.cert, key: n3.key, ca: caB.cert };
});

afterAll(() => pki.remove());

const net = new TransportHarness({ secret: SECRET, module: TlsTestModule, serverNode: 'n1@127.0.0.1', clientNode: 'n2@127.0.0.1', client: { minBackoffMs: 1, maxBackoffMs: 1 } });
const startNode = (opts?: Partial<ClusterServerOptions>) => net.startNode(opts);
const client = (opts?: Partial<TcpClusterClientOptions>) => net.client(opts);
afterEach(() => net.close());

describe('cluster transport over TLS', () => {
  it('carries requests between two TLS endpoints, with the HMAC handshake inside the session', async () => {
    const node = await startNode({ tls: tls1 });
    const c = client({ tls: tls2 });
    const payload = { a: 1, bin: Buffer.from([1, 2, 3]), text: 'ünïcode ✓' };
    await expect(c.request(node.addr, 'echo', payload)).resolves.toEqual(payload);
    await expect(c.request(node.addr, 'whoami', null)).resolves.toBe('n2@127.0.0.1');
    const socket = c.peer(node.addr).unwrap<TLSSocket>();
    expect(socket.encrypted).toBe(true);
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('n1');
  });

  it('still runs the HMAC handshake: a TLS client with the wrong secret is refused', async () => {
    const node = await startNode({ tls: tls1 });
    const err = await requestFailure(client({ tls: tls2, secret: 'another-secret' }).request(node.addr, 'echo', 1));
    expect(err.code).toBe('auth');
    await expect(client({ tls: tls2 }).request(node.addr, 'echo', 'ok')).resolves.toBe('ok');
  });

  it('refuses a client whose certificate another CA signed, logs it and keeps serving', async () => {
    const node = await startNode({ tls: tls1 });
    const err = await requestFailure(client({ tls: strangerTrustingA }).request(node.addr, 'echo', 1));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/TLS certificate/);
    await until('the refusal to be logged', () => node.logger.warnings().some((l) => /TLS handshake failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/.test(l)));
    await expect(client({ tls: tls2 }).request(node.addr, 'echo', 'still serving')).resolves.toBe('still serving');
  });

  it('refuses a server whose certificate the client CA did not sign', async () => {
    const node = await startNode({ tls: tls1 });
    const err = await requestFailure(client({ tls: n3TrustingB }).request(node.addr, 'echo', 1));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/TLS: .*certificate/);
  });

  it('refuses a plain TCP client (no TLS handshake in time), logs it and keeps serving', async () => {
    const node = await startNode({ tls: tls1, handshakeTimeoutMs: 300 });
    const err = await requestFailure(client({ handshakeTimeoutMs: 300 }).request(node.addr, 'echo', 1));
    expect(err.code).toBe('unreachable');
    await until('the refusal to be logged', () => node.logger.warnings().some((l) => /from 127\.0\.0\.1:\d+: TLS handshake failed/.test(l)));
    await expect(client({ tls: tls2 }).request(node.addr, 'echo', 'still serving')).resolves.toBe('still serving');
  });

  it('a TLS client cannot talk to a plain server, which logs it and keeps serving', async () => {
    const node = await startNode();
    const err = await requestFailure(client({ tls: tls2, handshakeTimeoutMs: 300, connectTimeoutMs: 1000 }).request(node.addr, 'echo', 1));
    expect(err.code).toBe('unreachable');
    await until('the bad frame to be logged', () => node.logger.warnings().length > 0);
    await expect(client().request(node.addr, 'echo', 'plain still works')).resolves.toBe('plain still works');
  });

  it('close() also drops connections still in the TLS handshake', async () => {
    const node = await startNode({ tls: tls1 });
    const raw = connect({ host: '127.0.0.1', port: node.port });
    raw.on('error', () => undefined);
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    await until('the server to see the socket', () => node.server['rawSockets'].size === 1);
    const started = Date.now();
    await node.server.close();
    await rawClosed;
    // well under the 5 s TLS handshake timeout
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
