import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import { browserPolicyOf } from './browser-policy';
import { FrameSocket, NodeWsAdapter, WS_MAX_BUFFERED_BYTES, sendFrame } from './node-ws-adapter';
import { until } from '../../testing/until';
import { n } from '../../testing/names';

const MAX_PAYLOAD = 64 * 1024;

/** A gateway with handlers: the adapter routes its frames. It also pushes frames of its own. */
@WebSocketGateway({ path: '/ws/echo' })
class EchoGateway implements OnGatewayConnection {
  readonly sockets = new Set<WebSocket>();

  handleConnection(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown) {
    return { event: 'echoed', data };
  }

  @SubscribeMessage('later')
  async later(@ConnectedSocket() _socket: WebSocket, @MessageBody() data: unknown) {
    await Promise.resolve();
    return { event: 'later', data };
  }

  @SubscribeMessage('quiet')
  quiet(): void {
    return undefined;
  }
}

/** A gateway with its own, smaller maxPayload. */
@WebSocketGateway({ path: '/ws/small', maxPayload: 16 })
class SmallGateway {
  @SubscribeMessage('x')
  x() {
    return { event: 'x', data: null };
  }
}

/** A gateway without handlers reads its frames itself: the adapter stays out of its way. */
@WebSocketGateway({ path: '/ws/raw' })
class RawGateway implements OnGatewayConnection {
  handleConnection(socket: WebSocket): void {
    socket.on('message', (data) => socket.send(`raw:${String(data)}`));
  }
}

@Module({ providers: [EchoGateway, SmallGateway, RawGateway] })
class WsTestModule {}

/** A client that keeps every frame it gets (as text) and its close code. */
class Client {
  readonly frames: string[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => this.frames.push(String(m)));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client(new WebSocket(url, { headers }));
      client.ws.once('open', () => resolve(client));
      client.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  async next(timeoutMs = 3000): Promise<unknown> {
    await until('a frame', () => this.frames.length > 0, timeoutMs);
    return JSON.parse(this.frames.shift() as string);
  }
}


/**
 * A WebSocket upgrade over a plain TCP socket: the answer and the socket. An accepted upgrade (101)
 * resolves at the end of its headers, with the socket paused (a client that never reads); a refusal
 * resolves with the whole answer once the server has closed the connection.
 */
function rawUpgrade(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; response: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines = Object.entries({
      Host: `127.0.0.1:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      ...headers,
    }).map(([k, v]) => `${k}: ${v}\r\n`);
    let received = '';
    socket.setEncoding('latin1');
    const status = () => Number(received.slice(9, 12));
    const onData = (chunk: string) => {
      received += chunk;
      if (status() !== 101 || !received.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ status: 101, response: received, socket });
    };
    socket.on('data', onData);
    socket.once('end', () => resolve({ status: status(), response: received, socket }));
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
  });
}

describe('NodeWsAdapter in a Nest app', () => {
  let app: NestFastifyApplication;
  let port: number;
  let echo: EchoGateway;
  const clients: Client[] = [];
  const raws: Socket[] = [];
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const c = await Client.open(`ws://127.0.0.1:${port}${path}`, headers);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(WsTestModule, new FastifyAdapter(), { logger: false });
    // the port is chosen at listen: 127.0.0.1 on any port
    const policy = browserPolicyOf({ bind: '127.0.0.1', httpPort: 0, node: n('a@127.0.0.1'), allowedHosts: ['127.0.0.1'], allowedOrigins: ['https://ops.example'] });
    app.useWebSocketAdapter(new NodeWsAdapter(app, { policy, maxPayload: MAX_PAYLOAD }));
    await app.listen(0, '127.0.0.1');
    port = Number(new URL(await app.getUrl()).port);
    echo = app.get(EchoGateway);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
    for (const s of raws.splice(0)) s.destroy();
  });

  afterAll(() => app.close());

  it('routes frames to the handlers and sends their replies; a handler may answer nothing', async () => {
    const c = await open('/ws/echo');
    c.ws.send(JSON.stringify({ event: 'quiet' }));
    c.ws.send(JSON.stringify({ event: 'echo', data: { n: 1 } }));
    c.ws.send(JSON.stringify({ event: 'later', data: [2] }));
    expect(await c.next()).toEqual({ event: 'echoed', data: { n: 1 } });
    expect(await c.next()).toEqual({ event: 'later', data: [2] });
    expect(c.frames).toEqual([]);
  });

  it('parses each frame once', async () => {
    const c = await open('/ws/echo');
    const payload = JSON.stringify({ event: 'echo', data: { once: true } });
    const parse = jest.spyOn(JSON, 'parse');
    try {
      c.ws.send(payload);
      expect(await c.next()).toEqual({ event: 'echoed', data: { once: true } });
      expect(parse.mock.calls.filter(([text]) => text === payload)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('answers a bad frame and an unknown event with an error frame, and keeps the socket', async () => {
    const c = await open('/ws/echo');
    c.ws.send('not json');
    c.ws.send('[1]');
    c.ws.send(JSON.stringify({ event: 'store', data: {} }));
    c.ws.send(Buffer.from(JSON.stringify({ event: 'echo', data: 'binary' })), { binary: true });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_frame', message: 'frames are JSON objects {"event": ..., "data": ...}' } });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'bad_frame', message: expect.any(String) } });
    expect(await c.next()).toEqual({ event: 'error', data: { code: 'unknown_event', message: "unknown event 'store'; known: echo, later, quiet" } });
    expect(await c.next()).toEqual({ event: 'echoed', data: 'binary' });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('leaves the frames of a gateway without handlers to the gateway', async () => {
    const c = await open('/ws/raw');
    c.ws.send('not json');
    await until('the raw reply', () => c.frames.length > 0, 3000);
    expect(c.frames).toEqual(['raw:not json']);
  });

  it('closes a socket that sends a frame over maxPayload (1009), and only that socket', async () => {
    const [big, other] = [await open('/ws/echo'), await open('/ws/echo')];
    big.ws.send(JSON.stringify({ event: 'echo', data: 'x'.repeat(MAX_PAYLOAD) }));
    await until('the close', () => big.closeCode !== undefined, 3000);
    expect(big.closeCode).toBe(1009);
    other.ws.send(JSON.stringify({ event: 'echo', data: 'still here' }));
    expect(await other.next()).toEqual({ event: 'echoed', data: 'still here' });
    const fits = await open('/ws/echo');
    fits.ws.send(JSON.stringify({ event: 'echo', data: 'x'.repeat(MAX_PAYLOAD - 100) }));
    expect(((await fits.next()) as { data: string }).data).toHaveLength(MAX_PAYLOAD - 100);
  });

  it("keeps a gateway's own, smaller maxPayload", async () => {
    const c = await open('/ws/small');
    c.ws.send(JSON.stringify({ event: 'x', data: 'more than sixteen bytes' }));
    await until('the close', () => c.closeCode !== undefined, 3000);
    expect(c.closeCode).toBe(1009);
  });

  it('accepts an upgrade without Origin, from the node’s own origin and from ALLOWED_ORIGINS', async () => {
    const allowed: Record<string, string>[] = [{}, { origin: `http://127.0.0.1:${port}` }, { origin: 'https://ops.example' }];
    for (const headers of allowed) {
      const c = await open('/ws/echo', headers);
      c.ws.send(JSON.stringify({ event: 'echo', data: 1 }));
      expect(await c.next()).toEqual({ event: 'echoed', data: 1 });
    }
  });

  it('refuses an upgrade from a foreign Origin (403) or for a foreign Host (421), with the JSON error', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ Origin: 'http://evil.example' }, 403, 'forbidden_origin'],
      [{ Origin: 'null' }, 403, 'forbidden_origin'],
      [{ Origin: `http://localhost:${port}` }, 403, 'forbidden_origin'],
      [{ Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` }, 421, 'misdirected_request'],
    ];
    for (const [headers, status, code] of cases) {
      const r = await rawUpgrade(port, '/ws/echo', headers);
      raws.push(r.socket);
      expect([headers, r.status]).toEqual([headers, status]);
      expect(r.response).toMatch(/content-type: application\/json/i);
      expect(JSON.parse(r.response.slice(r.response.indexOf('{')))).toEqual({ error: { code, message: expect.any(String) } });
    }
    expect(echo.sockets.size).toBe(0);
  });

  it('drops a client that stops reading once more than the bound is unsent, instead of buffering without bound', async () => {
    const r = await rawUpgrade(port, '/ws/echo', {});
    raws.push(r.socket);
    expect(r.status).toBe(101);
    await until('the connection', () => echo.sockets.size === 1, 3000);
    const [socket] = echo.sockets;
    const frame = JSON.stringify({ event: 'push', data: 'y'.repeat(256 * 1024) });
    let sent = 0;
    while (sendFrame(socket, frame)) {
      sent++;
      expect(sent).toBeLessThan(400); // 100 MiB: far beyond any socket buffer
    }
    // dropped once the kernel's buffers and WS_MAX_BUFFERED_BYTES were full, not after everything
    expect(sent * frame.length).toBeGreaterThan(WS_MAX_BUFFERED_BYTES);
    await until('the slow client to be gone', () => echo.sockets.size === 0, 3000);
  });
});

describe('sendFrame', () => {
  const fake = (readyState: number, bufferedAmount: number) => {
    const calls: string[] = [];
    const socket: FrameSocket = {
      OPEN: 1,
      readyState,
      bufferedAmount,
      send: ((frame: string) => calls.push(`send ${frame}`)) as FrameSocket['send'],
      terminate: () => calls.push('terminate'),
    } as FrameSocket;
    return { socket, calls };
  };

  it('sends to an open client within the bound, however large the frame', () => {
    const { socket, calls } = fake(1, WS_MAX_BUFFERED_BYTES);
    expect(sendFrame(socket, 'f')).toBe(true);
    expect(calls).toEqual(['send f']);
  });

  it('sends nothing to a client that is not open', () => {
    const { socket, calls } = fake(2, 0);
    expect(sendFrame(socket, 'f')).toBe(false);
    expect(calls).toEqual([]);
  });

  it('terminates a client with more than the bound unsent, and sends nothing', () => {
    const { socket, calls } = fake(1, 101);
    expect(sendFrame(socket, 'f', 100)).toBe(false);
    expect(calls).toEqual(['terminate']);
  });
});
