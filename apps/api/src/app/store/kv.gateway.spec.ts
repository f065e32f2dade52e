import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FetchedText, InvalidKvRequestError, KvChange, KvService, KvWatchService, KvWatchSession, KvWatcher, QuorumOptions, StoreResult } from '@ringnest/coord-kv';
import { NodeWsAdapter, VnodeError, browserPolicyOf } from '@ringnest/riak-core';
import WebSocket from 'ws';
import { KV_WS_PATH, KvGateway } from './kv.gateway';
import { n, until } from '@ringnest/riak-core/testing';

/** The KV service as the gateway sees it: stores answer W acks; some values are refused as the real one refuses them. */
class FakeKv {
  readonly stored: { key: string; value: unknown; o: QuorumOptions }[] = [];
  async store(key: string, value: unknown, o: QuorumOptions): Promise<StoreResult> {
    if (value === 'too deep') throw new InvalidKvRequestError('bad_request', 'the value nests deeper than 48 levels');
    if (value === 'unreachable') throw new VnodeError('unreachable', "partition 42 on 'b@10.0.0.2': ECONNREFUSED");
    this.stored.push({ key, value, o });
    return { acks: o.w, context: 'ctx' };
  }
  async fetchText(): Promise<FetchedText> {
    return { kind: 'not-found' };
  }
  ringSize(): number {
    return 64;
  }
}

/** Watches as sessions of at most 3 keys, whose starts the test releases; changes are pushed by the test. */
class FakeWatches {
  readonly watchers = new Map<string, Set<KvWatcher>>();
  readonly stopped: string[] = [];
  private readonly held: (() => void)[] = [];
  hold = false;

  session(watcher: KvWatcher): KvWatchSession {
    return new KvWatchSession((key) => {
      const start = () => {
        this.watchers.set(key, (this.watchers.get(key) ?? new Set()).add(watcher));
        return () => {
          this.watchers.get(key)?.delete(watcher);
          this.stopped.push(key);
        };
      };
      return this.hold ? new Promise((resolve) => this.held.push(() => resolve(start()))) : Promise.resolve(start());
    }, 3);
  }

  /** watches waiting to start */
  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  push(change: KvChange): void {
    for (const w of this.watchers.get(change.key) ?? []) w(change);
  }
}

const kv = new FakeKv();
const watches = new FakeWatches();

@Module({ providers: [KvGateway, { provide: KvService, useValue: kv }, { provide: KvWatchService, useValue: watches }] })
class GatewayModule {}

class Client {
  readonly frames: { event: string; data: unknown }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => this.frames.push(JSON.parse(String(m)) as { event: string; data: unknown }));
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const c = new Client(new WebSocket(url));
      c.ws.once('open', () => resolve(c));
      c.ws.once('error', reject);
    });
  }

  send(event: string, data: unknown): void {
    this.ws.send(JSON.stringify({ event, data }));
  }

  async next(): Promise<{ event: string; data: unknown }> {
    await until('a frame', () => this.frames.length > 0);
    return this.frames.shift() as { event: string; data: unknown };
  }
}


describe('KvGateway (/ws/kv) behind the node’s WebSocket adapter', () => {
  let app: NestFastifyApplication;
  let gateway: KvGateway;
  let url: string;
  const clients: Client[] = [];
  const open = async () => {
    const c = await Client.open(url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(GatewayModule, new FastifyAdapter(), { logger: false });
    const policy = browserPolicyOf({ bind: '127.0.0.1', httpPort: 0, node: n('a@127.0.0.1'), allowedHosts: ['127.0.0.1'] });
    app.useWebSocketAdapter(new NodeWsAdapter(app, { policy, maxPayload: 1024 * 1024 }));
    await app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${new URL(await app.getUrl()).port}${KV_WS_PATH}`;
    gateway = app.get(KvGateway);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await until('the sockets to close', () => gateway.connectionCount === 0);
    watches.hold = false;
    watches.release();
  });

  afterAll(() => app.close());

  it('stores with the options given, parsing the frame once', async () => {
    const c = await open();
    const payload = JSON.stringify({ event: 'store', data: { key: 'k', value: { a: 1 }, n: 3, w: 3 } });
    const parse = jest.spyOn(JSON, 'parse');
    try {
      c.ws.send(payload);
      expect(await c.next()).toEqual({ event: 'stored', data: { data: [true, true, true], context: 'ctx' } });
      expect(parse.mock.calls.filter(([text]) => text === payload)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    expect(kv.stored.at(-1)).toEqual({ key: 'k', value: { a: 1 }, o: { n: 3, w: 3, r: 2, pr: 0, pw: 0, timeoutMs: 5000 } });
    c.send('fetch', { key: 'k' });
    expect(await c.next()).toEqual({ event: 'fetched', data: { data: 'not_found' } });
  });

  it('answers every problem with an error frame on that socket', async () => {
    const c = await open();
    c.send('store', { key: 'k', value: 1, n: 3, w: 4 });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_request', message: 'w must be between 1 and n (3)' } });
    c.send('store', { key: 'k' });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_request', message: 'store needs a value' } });
    c.send('store', { key: 'k', value: 'too deep' });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_request', message: 'the value nests deeper than 48 levels' } });
    c.send('store', { key: 'k', value: 'unreachable' });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'unreachable', message: 'a node the request needs is unreachable' } });
    c.send('fetch', [1]);
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_request', message: 'data must be an object' } });
    c.ws.send('{"event":');
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_frame', message: expect.any(String) } });
    c.send('delete', { key: 'k' });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'unknown_event', message: "unknown event 'delete'; known: store, fetch, watch" } });
  });

  it('watches a key once per socket, pushes its changes, and refuses watches beyond the cap', async () => {
    const c = await open();
    for (const key of ['a', 'a', 'b', 'c']) {
      c.send('watch', { key });
      expect(await c.next()).toEqual({ event: 'watching', data: { key } });
    }
    c.send('watch', { key: 'd' });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'too_many_watches', message: 'a connection watches at most 3 keys' } });
    watches.push({ key: 'a', value: { v: 2 }, deleted: false, context: 'c2' });
    watches.push({ key: 'b', deleted: true, context: 'c3' });
    expect(await c.next()).toEqual({ event: 'changed', data: { key: 'a', value: { v: 2 }, context: 'c2' } });
    expect(await c.next()).toEqual({ event: 'changed', data: { key: 'b', value: null, context: 'c3' } });
    expect(c.frames).toEqual([]);
  });

  it('stops the watches of a socket when it closes, including one still starting', async () => {
    const c = await open();
    c.send('watch', { key: 'kept' });
    expect(await c.next()).toEqual({ event: 'watching', data: { key: 'kept' } });
    watches.hold = true;
    c.send('watch', { key: 'starting' });
    await until('the watch to be waiting', () => watches.waiting === 1);
    const stoppedBefore = watches.stopped.length;
    c.ws.terminate();
    await until('the socket to close', () => gateway.connectionCount === 0);
    expect(watches.stopped.slice(stoppedBefore)).toEqual(['kept']);
    watches.release();
    await until('the late watch to stop', () => watches.stopped.includes('starting'));
    expect(watches.watchers.get('starting')?.size ?? 0).toBe(0);
    expect(watches.watchers.get('kept')?.size ?? 0).toBe(0);
  });
});
