import { Logger } from '@nestjs/common';
import { ConfigError } from '@ringnest/riak-core';
import { connect, Socket } from 'node:net';
import { LocalRoomDirectory } from '../rooms';
import { ConnectionSlots } from '../session';
import { CLOSE_GRACE_MS } from './line-connection';
import { LineServer } from './line-server';
import { LineServerOptions } from './line-server.config';
import { until } from '@ringnest/riak-core/testing';

/** a TCP test client that collects every byte it reads */
class TcpClient {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  ended = false;

  /** `allowHalfOpen`: the client does not close its side when the server ends (a client ignoring the end) */
  static open(port: number, allowHalfOpen = false): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen }, () => {
        const client = new TcpClient(socket);
        socket.on('end', () => (client.ended = true));
        resolve(client);
      });
      socket.once('error', reject);
    });
  }

  /** wait until the bytes read contain `suffix`; return and forget them up to its end */
  async until(suffix: string, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.toString('latin1').includes(suffix)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(suffix)}; got ${JSON.stringify(this.received.toString('latin1'))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = this.received.toString('latin1');
    const end = all.indexOf(suffix) + suffix.length;
    this.received = this.received.subarray(end);
    return all.slice(0, end);
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }
}

const GREETING = "connected! 'set-name <name>' and 'join <chat name>' to get started\n> ";


describe('LineServer over TCP', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let server: LineServer;
  const clients: TcpClient[] = [];
  const open = async (): Promise<TcpClient> => {
    const c = await TcpClient.open(server.port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = new LineServer({ host: '127.0.0.1', port: 0, maxOutputBytes: 64 * 1024, node: 'chat1@127.0.0.1' }, new LocalRoomDirectory(), new ConnectionSlots());
    await server.onApplicationBootstrap();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await server.close();
  });

  it('speaks the protocol byte for byte, CRLF, split chunks and non-UTF-8 bytes included', async () => {
    const alex = await open();
    expect(await alex.until('> ')).toBe(GREETING);
    alex.send('set-na');
    alex.send('me Alex\r\njoin CoolRoom\r\n');
    expect(await alex.until('* Alex has joined CoolRoom\n> ')).toBe(
      "ok your name is Alex\n> joined CoolRoom! 'say CoolRoom <message>' to chat\n> * Alex has joined CoolRoom\n> ",
    );
    const bob = await open();
    await bob.until(GREETING);
    bob.send('set-name Bob\njoin CoolRoom\n');
    await bob.until('* Bob has joined CoolRoom\n> ');
    expect(await alex.until('* Bob has joined CoolRoom\n> ')).toBe('* Bob has joined CoolRoom\n> ');
    bob.send(Buffer.concat([Buffer.from('say CoolRoom HI! '), Buffer.from([0xff, 0xc3, 0xa9]), Buffer.from('\n')]));
    const expected = Buffer.concat([Buffer.from('CoolRoom - Bob: HI! '), Buffer.from([0xff, 0xc3, 0xa9]), Buffer.from('\n> ')]).toString('latin1');
    expect(await alex.until(expected)).toBe(expected);
    expect(await bob.until(expected)).toBe(expected);
    alex.send(`${'x'.repeat(9000)}\nrooms\n`);
    expect(await alex.until('rooms: CoolRoom\n> ')).toBe('line too long (max 8192 bytes)\n> rooms: CoolRoom\n> ');
    alex.send('quit\n');
    expect(await alex.until('bye\n')).toBe('bye\n');
    await until('alex.closed', () => alex.closed);
    expect(await bob.until('* Alex has left CoolRoom\n> ')).toBe('* Alex has left CoolRoom\n> ');
  });

  it('disconnects a client that never reads once its output bound is hit; the others are unaffected', async () => {
    const slow = await open();
    slow.socket.pause();
    const talker = await open();
    const reader = await open();
    slow.send('set-name Slow\njoin R\n');
    talker.send('set-name Talker\njoin R\n');
    await talker.until('* Talker has joined R\n> ');
    reader.send('set-name Reader\njoin R\n');
    await reader.until('* Reader has joined R\n> ');
    await talker.until('* Reader has joined R\n> ');
    const text = 'y'.repeat(8000);
    for (let round = 0; server.connectionCount === 3 && round < 100; round++) {
      for (let i = 0; i < 50; i++) talker.send(`say R ${round}.${i} ${text}\n`);
      const last = `R - Talker: ${round}.49 ${text}\n> `;
      await reader.until(last, 10000);
      await talker.until(last, 10000);
    }
    expect(server.connectionCount).toBe(2);
    expect(await reader.until('* Slow has left R\n> ')).toContain('* Slow has left R\n> ');
    talker.send('say R still here\n');
    expect(await reader.until('R - Talker: still here\n> ')).toBe('R - Talker: still here\n> ');
  });

  it('refuses a CHAT_PORT that is in use, naming the variable', async () => {
    const second = new LineServer({ host: '127.0.0.1', port: server.port, maxOutputBytes: 1024, node: 'chat1@127.0.0.1' }, new LocalRoomDirectory(), new ConnectionSlots());
    await expect(second.onApplicationBootstrap()).rejects.toThrow(new ConfigError('CHAT_PORT', `port ${server.port} is already in use`));
  });
});

describe('LineServer caps over TCP (small limits)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let server: LineServer;
  let slots: ConnectionSlots;
  const clients: TcpClient[] = [];
  const open = async (allowHalfOpen = false): Promise<TcpClient> => {
    const c = await TcpClient.open(server.port, allowHalfOpen);
    clients.push(c);
    return c;
  };
  const start = async (options: Partial<LineServerOptions>): Promise<void> => {
    slots = new ConnectionSlots(options.maxConnections);
    server = new LineServer({ host: '127.0.0.1', port: 0, maxOutputBytes: 64 * 1024, node: 'chat1@127.0.0.1', ...options }, new LocalRoomDirectory(), slots);
    await server.onApplicationBootstrap();
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await server.close();
  });

  it('refuses a client over the connection cap with one line and closes it; a freed slot is used again', async () => {
    await start({ maxConnections: 2 });
    const [a, b] = [await open(), await open()];
    await a.until(GREETING);
    await b.until(GREETING);
    const refused = await open();
    await until('refused.closed', () => refused.closed);
    expect(refused.received.toString('latin1')).toBe('sorry, this server is full\n');
    expect(server.connectionCount).toBe(2);
    expect(slots.refused).toBe(1);
    a.send('quit\n');
    await until('a.closed && slots.inUse === 1', () => a.closed && slots.inUse === 1);
    const c = await open();
    expect(await c.until('> ')).toBe(GREETING);
    c.send('set-name Cy\n');
    expect(await c.until('> ')).toBe('ok your name is Cy\n> ');
  });

  it('closes a client that sets no name in time with one line; a named one stays', async () => {
    await start({ nameTimeoutMs: 200 });
    const [idle, named] = [await open(), await open()];
    named.send('set-name Alex\n');
    await named.until('ok your name is Alex\n> ');
    await until('idle.closed', () => idle.closed);
    expect(idle.received.toString('latin1')).toBe(`${GREETING}bye: no name set within 0.2 s\n`);
    named.send('rooms\n');
    expect(await named.until('no rooms\n> ')).toBe('no rooms\n> ');
    expect(named.closed).toBe(false);
    expect(server.connectionCount).toBe(1);
  });

  it(`destroys an ended connection whose client does not close its side within ${CLOSE_GRACE_MS} ms, freeing its slot`, async () => {
    await start({ nameTimeoutMs: 100, maxConnections: 1 });
    const stubborn = await open(true);
    await until('stubborn.ended', () => stubborn.ended);
    expect(stubborn.received.toString('latin1')).toBe(`${GREETING}bye: no name set within 0.1 s\n`);
    expect(server.connectionCount).toBe(1);
    const ended = Date.now();
    await until('server.connectionCount === 0 && slots.inUse === 0', () => server.connectionCount === 0 && slots.inUse === 0, CLOSE_GRACE_MS + 5000);
    expect(Date.now() - ended).toBeGreaterThan(CLOSE_GRACE_MS / 2);
    const next = await open();
    expect(await next.until('> ')).toBe(GREETING);
  }, 15000);
});
