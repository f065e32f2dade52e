import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { LocalRoomDirectory } from '../rooms';
import { ChatSession } from '../session';
import { ChatSocket, WsConnection } from './ws-connection';
import { until } from '@ringnest/riak-core/testing';

type Frame = { event: string; data: unknown };

/** a `ws` socket as the connection sees it: records what is sent, emits what a client would */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1 as const;
  readyState: 0 | 1 | 2 | 3 = 1;
  bufferedAmount = 0;
  /** bytes each send adds to bufferedAmount (a reader that never reads) */
  stalled = false;
  readonly frames: Frame[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  terminated = false;

  send(data: string): void {
    this.frames.push(JSON.parse(data) as Frame);
    if (this.stalled) this.bufferedAmount += Buffer.byteLength(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }

  /** a client sends a frame */
  receive(frame: unknown): void {
    this.emit('message', Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)), false);
  }

  /** the lines received since the last take */
  take(): unknown[] {
    return this.frames.splice(0).map((f) => (f.event === 'line' ? f.data : f));
  }
}

/** a TCP-side session on the same rooms, collecting its bytes */
class TcpSide {
  out = '';
  readonly session: ChatSession;
  constructor(rooms: LocalRoomDirectory) {
    this.session = new ChatSession('tcp-1', 'chat1@127.0.0.1', rooms, { write: (b) => (this.out += b), end: () => undefined });
  }
  take(): string {
    const out = this.out;
    this.out = '';
    return out;
  }
}


const GREETING = "connected! 'set-name <name>' and 'join <chat name>' to get started";

describe('WsConnection: a WebSocket client of a ChatSession', () => {
  const logger = new Logger('test');
  beforeAll(() => Logger.overrideLogger(false));
  let rooms: LocalRoomDirectory;
  let socket: FakeSocket;
  let closed: WsConnection[];

  const connect = (max = 1024 * 1024): WsConnection => new WsConnection('ws-1', socket as unknown as ChatSocket, 'chat1@127.0.0.1', rooms, max, logger, (c) => closed.push(c));

  /** send frames, then wait for `count` frames back */
  async function exchange(count: number, ...frames: unknown[]): Promise<unknown[]> {
    for (const f of frames) socket.receive(f);
    await until(`${count} frames`, () => socket.frames.length >= count);
    return socket.take();
  }

  beforeEach(() => {
    rooms = new LocalRoomDirectory();
    socket = new FakeSocket();
    closed = [];
  });

  it('greets with a line and answers each command with the lines a TCP client gets, without prompts', async () => {
    connect();
    expect(socket.take()).toEqual([GREETING]);
    expect(await exchange(1, { event: 'join', data: { room: 'R' } })).toEqual(['must set a name before joining/chatting']);
    expect(await exchange(1, { event: 'set-name', data: { name: 'Alex' } })).toEqual(['ok your name is Alex']);
    expect(await exchange(2, { event: 'join', data: { room: 'CoolRoom' } })).toEqual(["joined CoolRoom! 'say CoolRoom <message>' to chat", '* Alex has joined CoolRoom']);
    expect(await exchange(1, { event: 'say', data: { room: 'CoolRoom', text: 'HI!' } })).toEqual(['CoolRoom - Alex: HI!']);
    expect(await exchange(1, { event: 'who', data: { room: 'CoolRoom' } })).toEqual(['CoolRoom: Alex']);
    expect(await exchange(1, { event: 'rooms' })).toEqual(['rooms: CoolRoom']);
    expect(await exchange(1, { event: 'show-unread', data: { room: 'CoolRoom' } })).toEqual(['no unread messages']);
    expect(await exchange(1, { event: 'leave', data: { room: 'CoolRoom' } })).toEqual(['left CoolRoom']);
    expect((await exchange(9, { event: 'help' })).length).toBe(9);
  });

  it('shares rooms with TCP clients; non-ASCII text is the same bytes on both sides', async () => {
    const tcp = new TcpSide(rooms);
    await tcp.session.line('set-name Bob');
    await tcp.session.line('join CoolRoom');
    tcp.take();
    connect();
    await exchange(3, { event: 'set-name', data: { name: 'Alex' } }, { event: 'join', data: { room: 'CoolRoom' } });
    expect(tcp.take()).toBe('* Alex has joined CoolRoom\n> ');

    expect(await exchange(1, { event: 'say', data: { room: 'CoolRoom', text: 'héllo ✓ 🐝' } })).toEqual(['CoolRoom - Alex: héllo ✓ 🐝']);
    expect(Buffer.from(tcp.take(), 'latin1')).toEqual(Buffer.from('CoolRoom - Alex: héllo ✓ 🐝\n> ', 'utf8'));

    await tcp.session.line(Buffer.from('say CoolRoom ça va ✓', 'utf8').toString('latin1'));
    await until('the broadcast', () => socket.frames.length >= 1);
    expect(socket.take()).toEqual(['CoolRoom - Bob: ça va ✓']);
  });

  it('answers a bad frame with an error frame and changes nothing', async () => {
    const tcp = new TcpSide(rooms);
    await tcp.session.line('set-name Bob');
    await tcp.session.line('join CoolRoom');
    tcp.take();
    connect();
    await exchange(3, { event: 'set-name', data: { name: 'Alex' } }, { event: 'join', data: { room: 'CoolRoom' } });
    tcp.take();

    const errors = await exchange(
      4,
      'not json',
      { event: 'dance' },
      { event: 'say', data: { room: 'CoolRoom', text: 'two\nlines' } },
      { event: 'leave', data: {} },
    );
    expect(errors.map((e) => (e as Frame).event)).toEqual(['error', 'error', 'error', 'error']);
    expect(errors.map((e) => ((e as Frame).data as { code: string }).code)).toEqual(['bad_frame', 'unknown_event', 'bad_data', 'bad_data']);
    expect(await exchange(1, { event: 'who', data: { room: 'CoolRoom' } })).toEqual(['CoolRoom: Alex, Bob']);
    expect(tcp.take()).toBe('');
  });

  it('answers a too-long line as TCP does, in order with the other lines', async () => {
    connect();
    socket.take();
    expect(await exchange(2, { event: 'set-name', data: { name: 'Alex' } }, { event: 'say', data: { room: 'R', text: 'x'.repeat(9000) } })).toEqual([
      'ok your name is Alex',
      'line too long (max 8192 bytes)',
    ]);
  });

  it('quit says bye and closes the socket; closing leaves the rooms', async () => {
    const tcp = new TcpSide(rooms);
    await tcp.session.line('set-name Bob');
    await tcp.session.line('join CoolRoom');
    connect();
    await exchange(3, { event: 'set-name', data: { name: 'Alex' } }, { event: 'join', data: { room: 'CoolRoom' } });
    tcp.take();
    expect(await exchange(1, { event: 'quit' })).toEqual(['bye']);
    expect(socket.closedWith).toEqual([1000, 'bye']);
    await until('the left notice', () => tcp.out.length > 0);
    expect(tcp.take()).toBe('* Alex has left CoolRoom\n> ');
  });

  it('a socket that closes leaves its rooms and is forgotten', async () => {
    const tcp = new TcpSide(rooms);
    await tcp.session.line('set-name Bob');
    await tcp.session.line('join CoolRoom');
    const connection = connect();
    await exchange(3, { event: 'set-name', data: { name: 'Alex' } }, { event: 'join', data: { room: 'CoolRoom' } });
    tcp.take();
    socket.readyState = 3;
    socket.emit('close', 1001, Buffer.alloc(0));
    await until('the left notice', () => tcp.out.length > 0);
    expect(tcp.take()).toBe('* Alex has left CoolRoom\n> ');
    expect(closed).toEqual([connection]);
    expect(await rooms.who('CoolRoom')).toEqual(['Bob']);
  });

  it('terminates a reader that lets more than the output bound pile up', async () => {
    const tcp = new TcpSide(rooms);
    await tcp.session.line('set-name Bob');
    connect(2000);
    await exchange(3, { event: 'set-name', data: { name: 'Alex' } }, { event: 'join', data: { room: 'R' } });
    socket.stalled = true;
    for (let i = 0; i < 10 && !socket.terminated; i++) await tcp.session.line(`say R ${'x'.repeat(300)}`);
    expect(socket.terminated).toBe(true);
    expect(socket.bufferedAmount).toBeGreaterThan(2000);
    await until('the close', () => closed.length === 1);
    const sent = socket.frames.length;
    await tcp.session.line('say R after');
    expect(socket.frames.length).toBe(sent);
    expect(await rooms.who('R')).toEqual([]);
  });
});
