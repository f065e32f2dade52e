import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Subject } from 'rxjs';
import WebSocket from 'ws';
import { NodeConfig, NodeName, Ring, freshRing, ownershipOf, ringSize, setMember, setOwnership } from '../../lib';
import type { AaeClusterStatus, ClusterTransfers, TransferView } from '../../lib';
import { AntiEntropyService } from '../aae/anti-entropy.service';
import { ClusterTransfersService } from '../handoff/cluster-transfers.service';
import { RingChange, RingManager } from '../ring/ring-manager.service';
import { NODE_CONFIG } from '../tokens';
import { browserPolicyOf } from './browser-policy';
import { ClusterGateway } from './cluster.gateway';
import { NodeWsAdapter } from './node-ws-adapter';
import { until } from '../../testing/until';
import { n, p } from '../../testing/names';

const A = n('a@127.0.0.1');
const B = n('b@127.0.0.1');

/** Stands in for the ring manager: a current ring and its change stream. */
class Rings {
  readonly changes$ = new Subject<RingChange>();
  readonly self = A;
  current: Ring = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'a' });

  adopt(next: Ring): void {
    const previous = this.current;
    this.current = next;
    this.changes$.next({ ring: next, previous, gossip: 'none' });
  }
}

/** Stands in for the cluster-wide transfer list. */
class Transfers {
  list: TransferView[] = [];
  unreachable: NodeName[] = [];
  async transfers(): Promise<ClusterTransfers> {
    return { transfers: this.list, unreachable: this.unreachable };
  }
}

/** Stands in for every member's anti-entropy status. */
class Aae {
  status: AaeClusterStatus = { nodes: [{ node: A, enabled: true, vnodes: [] }], unreachable: [] };
  async clusterStatus(): Promise<AaeClusterStatus> {
    return this.status;
  }
}

const config = { node: A } as { node: string; adminToken?: string };
const aae = new Aae();
const rings = new Rings();
const handoff = new Transfers();

@Module({
  providers: [
    ClusterGateway,
    { provide: NODE_CONFIG, useValue: config as unknown as NodeConfig },
    { provide: RingManager, useValue: rings },
    { provide: ClusterTransfersService, useValue: handoff },
    { provide: AntiEntropyService, useValue: aae },
  ],
})
class TestApp {}

type Frame = { event: string; data: Record<string, unknown> };

class Client {
  /** every frame but `aae`, whose timing is its own (on connect, then every 2 s when it changed) */
  readonly frames: Frame[] = [];
  readonly aaeFrames: Frame[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => {
      const frame = JSON.parse(m.toString()) as Frame;
      (frame.event === 'aae' ? this.aaeFrames : this.frames).push(frame);
    });
    ws.on('close', (code) => (this.closeCode = code));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new Client(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** wait for `count` more frames and take them */
  async next(count: number, timeoutMs = 3000): Promise<Frame[]> {
    await until(`${count} frames`, () => this.frames.length >= count, timeoutMs, () => `${count} frames; got ${JSON.stringify(this.frames)}`);
    return this.frames.splice(0, count);
  }

  async closed(timeoutMs = 3000): Promise<number> {
    await until('the socket to close', () => this.closeCode !== undefined, timeoutMs);
    return this.closeCode as number;
  }
}


const transfer = (items: number, rate = 1): TransferView => ({
  service: 'kv',
  index: p(2),
  partition: '2',
  type: 'ownership',
  from: A,
  to: B,
  status: 'active',
  items,
  bytes: items * 10,
  total: 100,
  rate,
  progress: items / 100,
});

/** A's ring with B joined and owning the odd partitions. */
function twoNodes(): Ring {
  let r = setMember(rings.current, A, B, { status: 'valid', addr: 'b', autoJoin: false });
  r = setOwnership(r, A, { ...ownershipOf(r), epoch: 2, owners: Array.from({ length: 8 }, (_, i) => (i % 2 ? B : A)) });
  return r;
}

describe('ClusterGateway (/ws/cluster) in a Nest app (fastify + NodeWsAdapter)', () => {
  let app: NestFastifyApplication;
  let gateway: ClusterGateway;
  let url: string;
  const clients: Client[] = [];
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const c = await Client.open(`${url}${query}`, headers);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(TestApp, new FastifyAdapter(), { logger: false });
    // the port is chosen at listen: 127.0.0.1 on any port
    const policy = browserPolicyOf({ bind: '127.0.0.1', httpPort: 0, node: A, allowedHosts: ['127.0.0.1'] });
    app.useWebSocketAdapter(new NodeWsAdapter(app, { policy, maxPayload: 1024 * 1024 }));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('http', 'ws') + '/ws/cluster';
    gateway = app.get(ClusterGateway);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await until('clients to be gone', () => gateway.connectionCount === 0, 3000);
    config.adminToken = undefined;
    handoff.list = [];
    handoff.unreachable = [];
  });

  afterAll(async () => {
    await app.close();
  });

  it('sends the ring view and the transfers on connect', async () => {
    const c = await open();
    const [ring, transfers] = await c.next(2);
    expect(ring).toEqual({
      event: 'ring',
      data: { node: A, ringSize: 8, ringReady: true, claimant: A, members: [{ name: A, status: 'valid', share: 100, pendingShare: null }], owners: Array(8).fill(A), pending: [] },
    });
    expect(transfers).toEqual({ event: 'transfer', data: { transfers: [] } });
  });

  it('sends every client a ring event when the view changes, and none for a change it cannot see', async () => {
    const [c1, c2] = [await open(), await open()];
    await c1.next(2);
    await c2.next(2);
    rings.adopt(twoNodes());
    for (const c of [c1, c2]) {
      const [ring] = await c.next(1);
      expect(ring.event).toBe('ring');
      expect(ring.data['members']).toEqual([
        { name: A, status: 'valid', share: 50, pendingShare: null },
        { name: B, status: 'valid', share: 50, pendingShare: null },
      ]);
      expect(ring.data['owners']).toEqual([A, B, A, B, A, B, A, B]);
    }
    // the same view again (as after a gossip round that changed only who has seen what): nothing is
    // sent, so the answer to a request is the next frame
    rings.adopt(rings.current);
    c1.ws.send(JSON.stringify({ event: 'transfers' }));
    expect(await c1.next(1)).toEqual([{ event: 'transfer', data: { transfers: [] } }]);
    c1.ws.send(JSON.stringify({ event: 'ring' }));
    const [again] = await c1.next(1);
    expect(again.event).toBe('ring');
    expect(again.data['owners']).toEqual([A, B, A, B, A, B, A, B]);
  });

  it('polls transfers only while clients are connected and sends them when they change', async () => {
    expect(gateway.polling).toBe(false);
    const c = await open();
    await c.next(2);
    expect(gateway.polling).toBe(true);
    handoff.list = [transfer(10)];
    expect(await c.next(1)).toEqual([{ event: 'transfer', data: { transfers: [transfer(10)] } }]);
    handoff.list = [transfer(60, 7)];
    expect(await c.next(1)).toEqual([{ event: 'transfer', data: { transfers: [transfer(60, 7)] } }]);
    handoff.list = [];
    expect(await c.next(1)).toEqual([{ event: 'transfer', data: { transfers: [] } }]);
    c.ws.close();
    await until('polling to stop', () => !gateway.polling, 3000);
  });

  it('sends anti-entropy on connect, and again when it changed', async () => {
    const c = await open();
    await until('an aae frame', () => c.aaeFrames.length === 1, 3000);
    expect(c.aaeFrames[0]).toEqual({ event: 'aae', data: { nodes: [{ node: A, enabled: true, vnodes: 0, ready: 0, repaired: 0, pending: 0 }], pending: [], unreachable: [] } });
    const exchange = { peer: p(2), peerNode: B, range: p(1), at: 5, result: 'repaired' as const, differences: 3, repaired: 1, totalRepaired: 4, messages: 6, error: null };
    aae.status = { nodes: [{ node: A, enabled: true, vnodes: [{ service: 'kv', index: p(1), ready: true, building: false, builtAt: 1, keys: 10, exchanges: [exchange] }] }], unreachable: [B] };
    await until('a second aae frame', () => c.aaeFrames.length === 2, 5000);
    expect(c.aaeFrames[1]).toEqual({
      event: 'aae',
      data: { nodes: [{ node: A, enabled: true, vnodes: 1, ready: 1, repaired: 4, pending: 2 }], pending: [{ node: A, service: 'kv', index: 1, pending: 2, failed: 0 }], unreachable: [B] },
    });
  });

  it('names the members that did not report their handoffs, and sends again when they answer', async () => {
    const c = await open();
    await c.next(2);
    handoff.unreachable = [B];
    expect(await c.next(1)).toEqual([{ event: 'transfer', data: { transfers: [], unreachable: [B] } }]);
    handoff.unreachable = [];
    expect(await c.next(1)).toEqual([{ event: 'transfer', data: { transfers: [] } }]);
  });

  it('answers bad frames with error frames and keeps the socket', async () => {
    const c = await open();
    await c.next(2);
    c.ws.send('not json');
    c.ws.send('[]');
    c.ws.send(JSON.stringify({ event: 'subscribe', data: {} }));
    c.ws.send(JSON.stringify({ event: 'transfers' }));
    const frames = await c.next(4);
    expect(frames.slice(0, 3)).toEqual([
      { event: 'error', data: { code: 'bad_frame', message: expect.any(String) } },
      { event: 'error', data: { code: 'bad_frame', message: expect.any(String) } },
      { event: 'error', data: { code: 'unknown_event', message: "unknown event 'subscribe'; known: ring, transfers" } },
    ]);
    expect(frames[3]).toEqual({ event: 'transfer', data: { transfers: [] } });
  });

  it('with ADMIN_TOKEN set, refuses a connection without it (1008) and accepts ?token= or a bearer header', async () => {
    config.adminToken = 's3cret';
    for (const [query, headers] of [['', {}], ['?token=wrong', {}], ['', { authorization: 'Bearer wrong' }]] as const) {
      const c = await open(query, headers);
      expect(await c.next(1)).toEqual([{ event: 'error', data: { code: 'unauthorized', message: expect.stringContaining('ADMIN_TOKEN') } }]);
      expect(await c.closed()).toBe(1008);
    }
    for (const [query, headers] of [['?token=s3cret', {}], ['', { authorization: 'Bearer s3cret' }]] as const) {
      const c = await open(query, headers);
      expect((await c.next(2)).map((f) => f.event)).toEqual(['ring', 'transfer']);
    }
  });
});
