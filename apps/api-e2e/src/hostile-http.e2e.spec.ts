/**
 * Hostile input at the HTTP and WebSocket edges of real api nodes: an oversized /ws/kv
 * frame, cross-site style requests (no JSON content type, a foreign Origin, a foreign Host), a
 * watcher that stops reading, `__proto__` keys and values nested too deep. Each is refused or cut
 * off alone; the node keeps serving (`/health` after every test) and nothing is written.
 */
import { request } from 'node:http';
import { Socket, connect } from 'node:net';
import WebSocket from 'ws';
import { NodeProcess, TestCluster, status, until, waitSettled } from './support/cluster';
import { kvGet, kvPut } from './support/kv';
import { upgrade } from './support/ws-upgrade';

type Frame = { event: string; data: Record<string, unknown> };

/** A /ws/kv client that keeps the frames it gets and its close code. */
class KvClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => this.frames.push(JSON.parse(String(m)) as Frame));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => undefined);
  }

  static open(n: NodeProcess, path = '/ws/kv'): Promise<KvClient> {
    return new Promise((resolve, reject) => {
      const c = new KvClient(new WebSocket(`ws://127.0.0.1:${n.spec.httpPort}${path}`));
      c.ws.once('open', () => resolve(c));
      c.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  async next(event: string): Promise<Frame['data']> {
    await until(`a ${event} frame`, () => this.frames.some((f) => f.event === event), 10000);
    return this.frames.splice(this.frames.findIndex((f) => f.event === event), 1)[0].data;
  }
}

/** An HTTP request with headers fetch may not set (Host); the status and the JSON body. */
function rawRequest(n: NodeProcess, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: n.spec.httpPort, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket upgrade with these headers: the status and body of a refusal, or 101. */
/** One masked text frame, as a client sends it (RFC 6455 §5.2), for a payload under 64 KiB. */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

/** A /ws/kv watcher over a plain TCP socket, that stops reading once its watch is confirmed. */
async function stalledWatcher(n: NodeProcess, key: string): Promise<Socket> {
  const socket = connect(n.spec.httpPort, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(
    `GET /ws/kv HTTP/1.1\r\nHost: 127.0.0.1:${n.spec.httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await until('the upgrade', () => received.includes('\r\n\r\n'), 5000);
  if (!received.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${received}`);
  socket.write(clientTextFrame(JSON.stringify({ event: 'watch', data: { key } })));
  await until('the watch', () => received.includes('"event":"watching"'), 10000);
  socket.removeAllListeners('data');
  socket.pause();
  return socket;
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}

const MiB = 1024 * 1024;

describe('hostile input at the HTTP and WebSocket edges', () => {
  const cluster = new TestCluster();
  let a: NodeProcess, b: NodeProcess;
  const open: (KvClient | Socket)[] = [];

  beforeAll(async () => {
    a = await cluster.started('hostile1');
    b = await cluster.started('hostile2', { env: { JOIN: a.clusterAddr } });
    await waitSettled([a, b]);
  }, 120000);

  afterEach(async () => {
    for (const c of open.splice(0)) {
      if (c instanceof Socket) c.destroy();
      else c.ws.terminate();
    }
    for (const n of [a, b]) {
      expect(n.running).toBe(true);
      expect((await n.get('/health')).status).toBe(200);
    }
  });

  afterAll(() => cluster.stopAll());

  it('closes a /ws/kv socket that sends a 2 MiB frame (1009), and only that socket', async () => {
    const [big, other] = [await KvClient.open(a), await KvClient.open(a)];
    open.push(big, other);
    big.ws.send(JSON.stringify({ event: 'store', data: { key: 'big', value: 'x'.repeat(2 * MiB) } }));
    await until('the big socket to close', () => big.closeCode !== undefined, 10000);
    expect(big.closeCode).toBe(1009);
    other.ws.send(JSON.stringify({ event: 'store', data: { key: 'small', value: 1, n: 3, w: 3 } }));
    expect((await other.next('stored'))['data']).toEqual([true, true, true]);
    expect((await kvGet(b, 'big', 'n=3&r=3')).body).toEqual({ data: 'not_found' });
  });

  it('refuses a cross-site style POST /api/cluster/leave (no JSON content type) with 415, and the node stays', async () => {
    // what fetch(url, {method: 'POST', mode: 'no-cors'}) and an HTML form can send without a preflight
    const simple: [Record<string, string>, string | undefined][] = [
      [{}, undefined],
      [{ 'content-type': 'text/plain' }, '{}'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'node=hostile1%40127.0.0.1'],
    ];
    for (const [headers, body] of simple) {
      for (const route of ['leave', 'commit', 'clear', 'staged/leave']) {
        const res = await fetch(`${a.http}/api/cluster/${route}`, { method: 'POST', headers, body });
        expect([route, headers, res.status]).toEqual([route, headers, 415]);
        expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: 'POST needs Content-Type: application/json' } });
      }
    }
    const s = await status(a);
    expect(s.members.map((m) => [m.node, m.status])).toEqual([
      [a.spec.name, 'valid'],
      [b.spec.name, 'valid'],
    ]);
    expect(s.pendingTransfers).toBe(0);
    // a client that says JSON gets through, with no body at all: nothing is staged, so nothing to clear
    expect((await fetch(`${a.http}/api/cluster/plan`)).status).toBe(200);
    const cleared = await fetch(`${a.http}/api/cluster/clear`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(cleared.status).not.toBe(415);
  });

  it('takes a DELETE without a content type, as the API explorer at /docs sends it (a browser preflights a cross-site DELETE)', async () => {
    expect((await kvPut(a, 'explorer-delete', { v: 1 })).status).toBe(200);
    const res = await fetch(`${a.http}/api/store/explorer-delete?n=1&w=1`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await kvGet(a, 'explorer-delete')).toMatchObject({ body: { data: 'not_found' } });
  });

  it('refuses WebSocket upgrades from a foreign Origin (403), and accepts the node’s own origin and none', async () => {
    for (const path of ['/ws/kv', '/ws/cluster']) {
      expect(await upgrade(a, path, { origin: 'http://evil.example' })).toEqual({ status: 403, body: { error: { code: 'forbidden_origin', message: expect.stringContaining("'http://evil.example'") } } });
      expect((await upgrade(a, path, { origin: `http://localhost:${a.spec.httpPort}` })).status).toBe(403);
      expect((await upgrade(a, path, { origin: `http://127.0.0.1:${a.spec.httpPort}` })).status).toBe(101);
      expect((await upgrade(a, path, {})).status).toBe(101);
    }
  });

  it('answers 421 to a request or an upgrade for Host: evil.example (DNS rebinding), and serves its own names', async () => {
    const refused = await rawRequest(a, 'GET', '/api/cluster/status', { host: 'evil.example' });
    expect(refused).toEqual({ status: 421, body: { error: { code: 'misdirected_request', message: "this node does not answer to host 'evil.example' (ALLOWED_HOSTS)" } } });
    expect((await rawRequest(a, 'GET', '/health', { host: `evil.example:${a.spec.httpPort}` })).status).toBe(421);
    expect((await rawRequest(a, 'PUT', '/api/store/rebound', { host: 'evil.example', 'content-type': 'application/json' }, '1')).status).toBe(421);
    expect((await upgrade(a, '/ws/kv', { host: `evil.example:${a.spec.httpPort}`, origin: `http://evil.example:${a.spec.httpPort}` })).status).toBe(421);
    for (const host of [`127.0.0.1:${a.spec.httpPort}`, `localhost:${a.spec.httpPort}`, `[::1]:${a.spec.httpPort}`]) {
      expect([host, (await rawRequest(a, 'GET', '/health', { host })).status]).toEqual([host, 200]);
    }
    expect((await kvGet(a, 'rebound', 'n=3&r=3')).body).toEqual({ data: 'not_found' });
  });

  it('drops a /ws/kv watcher that stops reading, keeping what the node holds for it bounded', async () => {
    const watcher = await stalledWatcher(a, 'firehose');
    open.push(watcher);
    // 48 MiB of new values of the watched key, written through both nodes
    const value = 'v'.repeat(512 * 1024);
    let pushed = 0;
    for (let i = 0; i < 96; i++) {
      expect((await kvPut(i % 2 ? a : b, 'firehose', value, 'n=1&w=1')).status).toBe(200);
      pushed += value.length;
    }
    await until('the slow watcher to be dropped', () => a.logged(/dropping a WebSocket client that reads too slowly/), 10000);
    // What reaches the watcher once it reads again is what sat in the kernel's socket buffers when
    // the node dropped it (a few MiB): the node discarded what it had queued (at most
    // WS_MAX_BUFFERED_BYTES and one frame) and queued nothing after, instead of holding all 48 MiB.
    // (The node's RSS is no measure here: parsing 48 MiB of PUTs moves it by tens of MiB either way.)
    let received = 0;
    watcher.on('data', (chunk: Buffer) => (received += chunk.length));
    const ended = new Promise<void>((resolve) => watcher.once('close', () => resolve()));
    watcher.resume();
    await ended;
    expect(received).toBeLessThan(pushed / 3);
    // the dropped watcher's watch is gone: nothing is announced for it any more
    await until('kv-watch to be withdrawn', async () => {
      const services = (await a.get<{ nodes: { node: string; services: string[] }[] }>('/api/cluster/services')).body.nodes;
      return !services.find((s) => s.node === a.spec.name)?.services.includes('kv-watch');
    }, 10000);
  });

  it('refuses __proto__ and constructor.prototype keys over /ws/kv (error frame) and HTTP (400), writing nothing', async () => {
    const c = await KvClient.open(a);
    open.push(c);
    const values = ['{"__proto__":{"polluted":true}}', '{"a":[{"constructor":{"prototype":{"x":1}}}]}'];
    for (const [i, value] of values.entries()) {
      c.ws.send(`{"event":"store","data":{"key":"proto-${i}","value":${value},"n":3,"w":3}}`);
      expect(await c.next('error')).toEqual({ code: 'bad_request', message: expect.stringMatching(/^the value has a forbidden key '(__proto__|constructor\.prototype)'$/) });
      const res = await fetch(`${a.http}/api/store/proto-${i}?n=3&w=3`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: value });
      expect([value, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([value, 400, 'bad_request']);
      expect((await kvGet(b, `proto-${i}`, 'n=3&r=3')).body).toEqual({ data: 'not_found' });
    }
  });

  it('refuses a value nested deeper than 48 levels at both edges, and replicates one of 48 levels to every replica', async () => {
    const c = await KvClient.open(a);
    open.push(c);
    c.ws.send(JSON.stringify({ event: 'store', data: { key: 'deep', value: nested(49), n: 3, w: 3 } }));
    expect(await c.next('error')).toEqual({ code: 'bad_request', message: 'the value nests deeper than 48 levels' });
    const http = await kvPut(a, 'deep', nested(60), 'n=3&w=3');
    expect(http).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'the value nests deeper than 48 levels' } } });
    expect((await kvGet(b, 'deep', 'n=3&r=3')).body).toEqual({ data: 'not_found' });
    const ok = await kvPut(b, 'deep', nested(48), 'n=3&w=3');
    expect(ok.status).toBe(200);
    const read = await kvGet(a, 'deep', 'n=3&r=3');
    expect(read.body.value).toEqual(nested(48));
    expect(read.body.data).toHaveLength(3);
  });
});
