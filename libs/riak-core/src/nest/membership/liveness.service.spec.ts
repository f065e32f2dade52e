/**
 * The liveness detector over the real TCP transport, around a peer's restart: once the peer is
 * heard from, this node's probes reach it at once instead of being refused from the link's
 * reconnect backoff (which marked the restarted peer down again and again until the backoff timer
 * fired, so commands routed to it failed with `unreachable` although it was up).
 */
import { Controller, INestMicroservice, Logger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { NodeConfig, freshRing, ringSize, setMember } from '../../lib';
import { ClusterRequestError, ClusterServer, TcpClusterClient } from '../transport';
import { LivenessChange, LivenessService, REFUSALS_FOR_DOWN } from './liveness.service';
import { RingManager } from '../ring/ring-manager.service';
import { DEFAULT_RUNTIME_OPTIONS, RuntimeOptions } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';
import { until } from '../../testing/until';
import { freePort } from '../../../test/transport-harness';
import { n } from '../../testing/names';

const SECRET = 'liveness-test-secret';
const A = n('a@test');
const B = n('b@test');

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined };

@Controller()
class PeerController {
  @MessagePattern(Patterns.ping)
  ping(): { node: string; services: string[] } {
    return { node: B, services: ['kv'] };
  }
}

@Module({ controllers: [PeerController] })
class PeerModule {}


describe('LivenessService around a peer restart (TCP)', () => {
  let peer: INestMicroservice | undefined;
  let client: TcpClusterClient | undefined;
  let liveness: LivenessService | undefined;

  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    liveness?.onModuleDestroy();
    await client?.close();
    await peer?.close();
    peer = client = liveness = undefined;
  });

  it('a peer heard from while the link to it backs off is probed at once and stays up', async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const ring = setMember(freshRing({ app: 't', clusterId: 'c', ringSize: ringSize(8), node: A, addr: '127.0.0.1:1' }), A, B, { status: 'valid', addr, autoJoin: false });
    const rings = { current: ring, self: A } as unknown as RingManager;
    const config = { node: A } as NodeConfig;
    // Probes every 10 ms; a backoff far longer than the test, as after a long outage (capped at 5 s by default).
    const options: RuntimeOptions = { ...DEFAULT_RUNTIME_OPTIONS, pingIntervalMs: 10, downAfterMs: 60_000 };
    client = new TcpClusterClient({ nodeName: A, secret: SECRET, minBackoffMs: 60_000, maxBackoffMs: 60_000, logger: silent });
    liveness = new LivenessService(config, options, client, rings);
    const changes: LivenessChange[] = [];
    liveness.changes$.subscribe((c) => changes.push(c));
    liveness.onModuleInit();

    await until('b to be down (nothing listens)', () => !liveness?.isUp(B));

    peer = await NestFactory.createMicroservice(PeerModule, { strategy: new ClusterServer({ port, nodeName: B, secret: SECRET, logger: silent }), logger: false });
    await peer.listen();
    // b is back and pings a (what ClusterController.ping does on a).
    changes.length = 0;
    const answered = firstValueFrom(liveness.replies$.pipe(filter((r) => r.node === B), timeout(5000)));
    liveness.heardFrom(B);

    await expect(answered).resolves.toEqual({ node: B, services: ['kv'] });
    expect(liveness.isUp(B)).toBe(true);
    expect(changes).toEqual([{ node: B, up: true }]);
  });

  it('one refused probe is not enough to mark a peer down; refusals in a row are', async () => {
    const ring = setMember(freshRing({ app: 't', clusterId: 'c', ringSize: ringSize(8), node: A, addr: '127.0.0.1:1' }), A, B, { status: 'valid', addr: '127.0.0.1:2', autoJoin: false });
    const rings = { current: ring, self: A } as unknown as RingManager;
    let refuse = 1;
    let probes = 0;
    const fake = {
      request: async () => {
        probes++;
        if (refuse > 0) {
          refuse--;
          throw new ClusterRequestError('unreachable', 'connect ECONNREFUSED');
        }
        return { services: [] };
      },
      peerAlive: () => undefined,
    } as unknown as TcpClusterClient;
    const options: RuntimeOptions = { ...DEFAULT_RUNTIME_OPTIONS, pingIntervalMs: 10, downAfterMs: 60_000 };
    liveness = new LivenessService({ node: A } as NodeConfig, options, fake, rings);
    const changes: LivenessChange[] = [];
    liveness.changes$.subscribe((c) => changes.push(c));
    liveness.onModuleInit();
    await until('a few probes after the refusal', () => probes >= 5);
    expect(changes).toEqual([]); // a transient refusal: b never went down
    expect(liveness.downTransitions).toBe(0);
    refuse = Number.MAX_SAFE_INTEGER;
    await until('b to be down after refusals in a row', () => !liveness?.isUp(B));
    expect(changes).toEqual([{ node: B, up: false }]);
    expect(liveness.downTransitions).toBe(1);
    expect(REFUSALS_FOR_DOWN).toBe(2);
  });
});

describe("LivenessService: this node's own pauses", () => {
  let liveness: LivenessService | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => {
    liveness?.onModuleDestroy();
    liveness = undefined;
  });

  /** Node a probing b every 20 ms, b down after 200 ms of silence; `answer` says how b answers a probe. */
  function detector(answer: () => Promise<unknown>) {
    const ring = setMember(freshRing({ app: 't', clusterId: 'c', ringSize: ringSize(8), node: A, addr: '127.0.0.1:1' }), A, B, { status: 'valid', addr: '127.0.0.1:2', autoJoin: false });
    const rings = { current: ring, self: A } as unknown as RingManager;
    let probes = 0;
    const fake = { request: () => (probes++, answer()), peerAlive: () => undefined } as unknown as TcpClusterClient;
    const options: RuntimeOptions = { ...DEFAULT_RUNTIME_OPTIONS, pingIntervalMs: 20, downAfterMs: 200 };
    const l = new LivenessService({ node: A } as NodeConfig, options, fake, rings);
    liveness = l;
    l.onModuleInit();
    return { liveness: l, probes: () => probes };
  }

  it('a peer that answers is not marked down because this node stalled for longer than downAfterMs', async () => {
    jest.useFakeTimers();
    try {
      // b answers each probe when the test says so (its reply read from the network)
      const pending: (() => void)[] = [];
      const d = detector(() => new Promise((resolve) => pending.push(() => resolve({ services: [] }))));
      const answer = async () => {
        for (const reply of pending.splice(0)) reply();
        await Promise.resolve();
      };
      jest.advanceTimersByTime(20); // round 1: probe sent
      await answer();
      jest.advanceTimersByTime(20); // round 2: probe sent; b's answer is on its way...
      // ...when this node's event loop is blocked for 3 × downAfterMs: the clock moves, no timer runs
      jest.setSystemTime(Date.now() + 600);
      jest.advanceTimersByTime(20); // round 3 runs late, before the answer that waited is read
      await answer();
      jest.advanceTimersByTime(20);
      await answer();
      expect(d.liveness.isUp(B)).toBe(true);
      expect(d.liveness.downTransitions).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a silent peer is still marked down after downAfterMs', async () => {
    const d = detector(() => new Promise(() => undefined));
    const t0 = Date.now();
    await until('b to be down', () => !d.liveness.isUp(B));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(d.liveness.downTransitions).toBe(1);
  });
});
