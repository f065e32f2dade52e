import { Global, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import WebSocket from 'ws';
import { LINE_SERVER_OPTIONS, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { LocalRoomDirectory } from '../rooms';
import { ChatGateway } from './chat.gateway';
import { ChatWebModule } from './chat-web.module';

const options: LineServerOptions = { host: '127.0.0.1', port: 0, maxOutputBytes: 1024 * 1024, node: 'chat1@127.0.0.1' };

/** stands in for ChatModule: provides and exports what ChatWebModule needs */
@Global()
@Module({
  providers: [
    { provide: LINE_SERVER_OPTIONS, useValue: options },
    { provide: ROOM_DIRECTORY, useClass: LocalRoomDirectory },
  ],
  exports: [LINE_SERVER_OPTIONS, ROOM_DIRECTORY],
})
class RoomsForTest {}

@Module({ imports: [RoomsForTest, ChatWebModule] })
class TestApp {}

type Frame = { event: string; data: unknown };

class Client {
  readonly frames: Frame[] = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => this.frames.push(JSON.parse(m.toString()) as Frame));
    ws.on('close', () => (this.closed = true));
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
    app = await NestFactory.create<NestFastifyApplication>(TestApp, new FastifyAdapter(), { logger: false });
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
