/**
 * The bounds of a chat node against clients that take more than their share, through a real chat
 * node process and real TCP clients: the connection cap, the time to set a name, the rooms per
 * connection, `say` that creates nothing, and rooms that expire once empty and quiet (their history
 * and read marks with them). Small limits keep it quick: 3 connections, 2 rooms each, 1 s for a
 * name, rooms expire after 1.5 s.
 */
import { ChatClient, ChatClients, PROMPT, chatLines as L } from './support/chat-client';
import { NodeProcess, TestCluster, until } from './support/cluster';

const LIMITS = { CHAT_MAX_CONNECTIONS: '3', CHAT_MAX_ROOMS_PER_CONNECTION: '2', CHAT_NAME_TIMEOUT_MS: '1000', CHAT_ROOM_TTL_MS: '1500' };

describe('a chat node’s bounds', () => {
  const cluster = new TestCluster();
  const clients = new ChatClients();
  let node: NodeProcess;
  let port: number;

  beforeAll(async () => {
    node = await cluster.started('chatbounds', { app: 'chat', env: LIMITS });
    port = node.chatPort;
  }, 60000);
  afterAll(() => cluster.stopAll());

  /** Close every client and wait until the node has let go of them: three new connections are greeted. */
  async function closeAll(): Promise<void> {
    clients.destroyAll();
    await until('the node to free the connection slots', async () => {
      const probes = await Promise.all([0, 1, 2].map(() => ChatClient.connect(port, { greeting: false, label: 'probe' })));
      const greeted = await Promise.all(probes.map((p) => p.expect(L.greeting, 2000).then(() => true, () => false)));
      probes.forEach((p) => p.destroy());
      return greeted.every(Boolean);
    }, 20000);
  }

  /** A named client, once the node has a free slot (the probes of `closeAll` may hold theirs a moment longer). */
  async function named(name: string): Promise<ChatClient> {
    let c: ChatClient | undefined;
    await until(`a slot for ${name}`, async () => (c = await clients.named(port, name).catch(() => undefined)) !== undefined, 10000);
    return c as ChatClient;
  }

  afterEach(() => closeAll(), 60000);

  it('greets three connections and tells a fourth the server is full in one line and closes it; a slot freed by quit is usable again', async () => {
    const three = [await clients.named(port, 'Ann'), await clients.named(port, 'Bob'), await clients.named(port, 'Cy')];
    const fourth = await clients.connect(port, { greeting: false, label: 'fourth' });
    expect(await fourth.expectClosed(10000)).toBe('sorry, this server is full\n');
    three[0].send('quit');
    await three[0].expect(L.bye);
    await three[0].expectClosed(10000);
    const again = await named('Dee');
    again.send('rooms');
    await again.expectMatch(/^(no rooms|rooms: [^\n]*)\n> $/);
  });

  it('closes a connection that sets no name in time, with one line, and keeps one that did', async () => {
    let silent: ChatClient | undefined;
    await until('a slot for a silent client', async () => (silent = await clients.connect(port, { label: 'silent' }).catch(() => undefined)) !== undefined, 10000);
    const eve = await named('Eve');
    expect(await (silent as ChatClient).expectClosed(10000)).toBe('bye: no name set within 1 s\n');
    eve.send('rooms');
    await eve.expectMatch(/^(no rooms|rooms: [^\n]*)\n> $/);
    expect(eve.closed).toBe(false);
  });

  it('refuses a join past the rooms-per-connection cap with one line; the client keeps its connection and its rooms', async () => {
    const c = await named('Fay');
    for (const room of ['r1', 'r2']) {
      c.send(`join ${room}`);
      await c.expect(L.joined(room) + L.hasJoined(room, 'Fay'));
    }
    c.send('join r3');
    await c.expect(`sorry, you are in too many rooms (max 2)\n${PROMPT}`);
    c.send('who r1');
    await c.expect(L.who('r1', ['Fay']));
    c.send('leave r2');
    await c.expect(L.left('r2'));
    c.send('join r3');
    await c.expect(L.joined('r3') + L.hasJoined('r3', 'Fay'));
  });

  it('does not create a room for a say from a non-member', async () => {
    const c = await named('Gus');
    c.send('say ghost boo');
    await c.expect(`sorry, there is no room ghost\n${PROMPT}`);
    c.send('rooms');
    const listed = await c.expectMatch(/^(no rooms|rooms: [^\n]*)\n> $/);
    expect(listed[1].split(/, |: /)).not.toContain('ghost');
  });

  it('drops a room once it has no member and no activity for its time to live, with its history and read marks', async () => {
    const a = await named('Hal');
    const b = await named('Ida');
    a.send('join tmp');
    await a.expect(L.joined('tmp') + L.hasJoined('tmp', 'Hal'));
    b.send('join tmp');
    await b.expect(L.joined('tmp') + L.hasJoined('tmp', 'Ida'));
    await a.expect(L.hasJoined('tmp', 'Ida'));
    b.send('leave tmp');
    await b.expect(L.left('tmp'));
    await a.expect(L.hasLeft('tmp', 'Ida'));
    a.send('say tmp before');
    await a.expect(L.message('tmp', 'Hal', 'before'));
    await b.expectNothing();
    a.send('leave tmp');
    await a.expect(L.left('tmp'));
    await until('the empty room to expire', async () => {
      a.send('rooms');
      const listed = await a.expectMatch(/^(no rooms|rooms: [^\n]*)\n> $/);
      return !listed[1].split(/, |: /).includes('tmp');
    }, 20000);
    // joined again, it is a new room: no history, and Ida's mark of what she had not read is gone
    b.send('join tmp');
    await b.expect(L.joined('tmp') + L.hasJoined('tmp', 'Ida'));
    b.send('show-unread tmp');
    await b.expect(L.unread([]));
    expect((await fetch(`${node.http}/health`)).status).toBe(200);
    a.send('join tmp');
    await a.expect(L.joined('tmp') + L.hasJoined('tmp', 'Hal'));
    await b.expect(L.hasJoined('tmp', 'Hal'));
    a.send('say tmp after');
    await b.expect(L.message('tmp', 'Hal', 'after'));
    await a.expect(L.message('tmp', 'Hal', 'after'));
  });
});
