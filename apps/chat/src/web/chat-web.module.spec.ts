import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import { ChatConnectionsModule, LINE_SERVER_OPTIONS, LineServer, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { LocalRoomDirectory } from '../rooms';
import { ConnectionSlots } from '../session';
import { ChatGateway, WS_CLOSE_SERVER_FULL } from './chat.gateway';
import { ChatWebModule } from './chat-web.module';
import { until } from '@ringnest/riak-core/testing';

const options: LineServerOptions = { host: '127.0.0.1', port: 0, maxOutputBytes: 1024 * 1024, node: 'chat1@127.0.0.1' };

/**
 * Stands in for ChatModule: provides and exports what ChatWebModule needs (and, with `tcp`, runs
 * the TCP line server beside the web module, as ChatModule does, on the same connection slots).
 */
function testApp(opts: LineServerOptions, tcp = false): DynamicModule {
  @Global()
  @Module({})
  class RoomsForTest {}
  @Module({})
  class TestApp {}
  const rooms: DynamicModule = {
    module: RoomsForTest,
    providers: [
      { provide: LINE_SERVER_OPTIONS, useValue: opts },
      { provide: ROOM_DIRECTORY, useClass: LocalRoomDirectory },
    ],
    exports: [LINE_SERVER_OPTIONS, ROOM_DIRECTORY],
  };
  return { module: TestApp, imports: [rooms, ChatConnectionsModule, ChatWebModule], providers: tcp ? [LineServer] : [] };
}

type Frame = { event: string; data: unknown };

class Client {
  readonly frames: Frame[] = [];
  closed = false;
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => this.frames.push(JSON.parse(m.toString()) as Frame));
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
    });
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new Client(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** wait for `count` more frames and take them */
  async next(count: number, timeoutMs = 3000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} frames; got ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.frames.splice(0, count);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
}

const line = (data: string): Frame => ({ event: 'line', data });

describe('ChatWebModule in a Nest app (fastify + WsAdapter)', () => {
  let app: NestFastifyApplication;
  let base: string;
  const clients: Client[] = [];
  const open = async (): Promise<Client> => {
    const c = await Client.open(`${base.replace('http', 'ws')}/chat`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(testApp(options), new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await app.close();
  });

  it('serves the chat page at / as self-contained HTML', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    for (const id of ['name', 'set-name', 'room', 'join', 'text', 'say', 'log', 'status']) expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });

  it('two WebSocket clients chat in a room; a bad frame gets an error; a closed socket leaves its rooms', async () => {
    const alex = await open();
    const bob = await open();
    const greeting = line("connected! 'set-name <name>' and 'join <chat name>' to get started");
    expect(await alex.next(1)).toEqual([greeting]);
    expect(await bob.next(1)).toEqual([greeting]);
    alex.send({ event: 'set-name', data: { name: 'Alex' } });
    alex.send({ event: 'join', data: { room: 'CoolRoom' } });
    bob.send({ event: 'set-name', data: { name: 'Bob' } });
    expect(await alex.next(3)).toEqual([line('ok your name is Alex'), line("joined CoolRoom! 'say CoolRoom <message>' to chat"), line('* Alex has joined CoolRoom')]);
    expect(await bob.next(1)).toEqual([line('ok your name is Bob')]);
    bob.send({ event: 'join', data: { room: 'CoolRoom' } });
    expect(await bob.next(2)).toEqual([line("joined CoolRoom! 'say CoolRoom <message>' to chat"), line('* Bob has joined CoolRoom')]);
    expect(await alex.next(1)).toEqual([line('* Bob has joined CoolRoom')]);

    alex.send({ event: 'say', data: { room: 'CoolRoom', text: 'HI! ✓' } });
    expect(await alex.next(1)).toEqual([line('CoolRoom - Alex: HI! ✓')]);
    expect(await bob.next(1)).toEqual([line('CoolRoom - Alex: HI! ✓')]);

    bob.send('{"event":');
    expect(await bob.next(1)).toEqual([{ event: 'error', data: { code: 'bad_frame', message: expect.any(String) } }]);
    expect(app.get(ChatGateway).connectionCount).toBe(2);

    bob.ws.close();
    expect(await alex.next(1)).toEqual([line('* Bob has left CoolRoom')]);
    expect(await app.get<symbol, LocalRoomDirectory>(ROOM_DIRECTORY).who('CoolRoom')).toEqual(['Alex']);
  });
});


/** a raw TCP client of the line server: what it read, and whether the server closed it */
function tcpClient(port: number): Promise<{ socket: Socket; read: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let received = '';
    let closed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, read: () => received, closed: () => closed }));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.once('error', reject);
  });
}

describe('chat caps over WebSocket and TCP together (small limits)', () => {
  let app: NestFastifyApplication;
  let wsUrl: string;
  let tcpPort: number;
  const clients: Client[] = [];
  const sockets: Socket[] = [];
  const open = async (): Promise<Client> => {
    const c = await Client.open(wsUrl);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const limited: LineServerOptions = { ...options, maxConnections: 2, maxRoomsPerConnection: 1, nameTimeoutMs: 300 };
    app = await NestFactory.create<NestFastifyApplication>(testApp(limited, true), new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    wsUrl = `${(await app.getUrl()).replace('[::1]', '127.0.0.1').replace('http', 'ws')}/chat`;
    tcpPort = app.get(LineServer).port;
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    for (const s of sockets) s.destroy();
    await app.close();
  });

  it('counts TCP and WebSocket clients against one cap: over it a WS client gets one line and 1013, a TCP client one line and the close', async () => {
    const alex = await open();
    expect(await alex.next(1)).toEqual([line("connected! 'set-name <name>' and 'join <chat name>' to get started")]);
    alex.send({ event: 'set-name', data: { name: 'Alex' } });
    expect(await alex.next(1)).toEqual([line('ok your name is Alex')]);

    const tcp = await tcpClient(tcpPort);
    sockets.push(tcp.socket);
    await until('the TCP greeting', () => tcp.read().endsWith('> '));
    tcp.socket.write('set-name Bob\n');
    await until('the TCP name', () => tcp.read().endsWith('ok your name is Bob\n> '));

    const refused = await open();
    await until('the refused WS client to be closed', () => refused.closed);
    expect(refused.frames).toEqual([line('sorry, this server is full')]);
    expect(refused.closeCode).toBe(WS_CLOSE_SERVER_FULL);

    const refusedTcp = await tcpClient(tcpPort);
    sockets.push(refusedTcp.socket);
    await until('the refused TCP client to be closed', () => refusedTcp.closed());
    expect(refusedTcp.read()).toBe('sorry, this server is full\n');
    expect(app.get(ConnectionSlots).inUse).toBe(2);

    // a WS client that goes frees its slot for the next one
    alex.ws.close();
    await until('the slot to be freed', () => app.get(ConnectionSlots).inUse === 1);
    const carol = await open();
    expect(await carol.next(1)).toEqual([line("connected! 'set-name <name>' and 'join <chat name>' to get started")]);
    carol.send({ event: 'set-name', data: { name: 'Carol' } });
    carol.send({ event: 'join', data: { room: 'A' } });
    expect(await carol.next(3)).toEqual([line('ok your name is Carol'), line("joined A! 'say A <message>' to chat"), line('* Carol has joined A')]);
    carol.send({ event: 'join', data: { room: 'B' } });
    expect(await carol.next(1)).toEqual([line('sorry, you are in too many rooms (max 1)')]);
    carol.send({ event: 'rooms' });
    expect(await carol.next(1)).toEqual([line('rooms: A')]);
    carol.ws.close();
    tcp.socket.destroy();
    await until('every slot to be freed', () => app.get(ConnectionSlots).inUse === 0);
  });

  it('closes a WS client that sets no name in time with one line and 1000; a named one stays', async () => {
    const idle = await open();
    const named = await open();
    named.send({ event: 'set-name', data: { name: 'Dan' } });
    await until('the unnamed client to be closed', () => idle.closed);
    expect(idle.frames).toEqual([line("connected! 'set-name <name>' and 'join <chat name>' to get started"), line('bye: no name set within 0.3 s')]);
    expect(idle.closeCode).toBe(1000);
    named.send({ event: 'rooms' });
    expect(await named.next(3)).toEqual([line("connected! 'set-name <name>' and 'join <chat name>' to get started"), line('ok your name is Dan'), line('no rooms')]);
    expect(named.closed).toBe(false);
  });
});
