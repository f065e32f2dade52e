/**
 * Zap chat (docs/reference/chat-protocol.md) end to end on one node: a real `node
 * dist/apps/chat/main.js` process and real TCP clients, every exact-bytes exchange of the line
 * protocol, one client at a time and between clients of that node. Waits are event-driven with
 * deadlines; a deadline is a bound for a slow shared machine, not the expected speed.
 */
import { ChatClients, chatLines as L, PROMPT, utf8Bytes } from './support/chat-client';
import { TestCluster } from './support/cluster';
import { COMMANDS, expectReason, joinRoom, allGet } from './support/chat-steps';

describe('Zap chat line protocol on one node (docs/reference/chat-protocol.md, byte for byte)', () => {
  const cluster = new TestCluster();
  const clients = new ChatClients();
  let port: number;
  beforeAll(async () => {
    const solo = await cluster.started('zapsolo', { app: 'chat' });
    port = solo.chatPort;
  }, 60000);
  afterEach(() => clients.destroyAll());
  afterAll(() => cluster.stopAll());

  it('before a name is set answers only set-name, help and quit; bad names get a one-line reason', async () => {
    const c = await clients.connect(port, { label: 'unnamed' });
    for (const line of ['', 'join CoolRoom', 'say CoolRoom HI!', 'leave CoolRoom', 'who CoolRoom', 'rooms', 'show-unread CoolRoom', 'dance']) {
      c.send(line);
      await c.expect(L.mustSetName);
    }
    c.sendRaw('\r\n');
    await c.expect(L.mustSetName);

    c.send('help');
    const help = await c.expectMatch(/^((?:[^\n]+\n){9,})> /);
    // one line per command
    expect(help[1].split('\n').filter(Boolean).map((l) => l.split(' ')[0]).sort()).toEqual(COMMANDS);
    expect(c.buffered).toBe('');

    for (const bad of ['set-name', 'set-name ', 'set-name Al ex', `set-name ${'a'.repeat(33)}`, `set-name ${utf8Bytes('Zoë')}`, 'set-name Bob!', 'set-name Bob\t']) {
      c.send(bad);
      await expectReason(c);
      c.send('join CoolRoom');
      await c.expect(L.mustSetName);
    }
    const longest = `Aa0_-${'z'.repeat(27)}`;
    c.send(`set-name ${longest}`);
    await c.expect(L.nameSet(longest));
    c.send('set-name Alex');
    await c.expect(L.nameSet('Alex'));
    await c.expectNothing();

    const q = await clients.connect(port, { label: 'quitter' });
    q.send('quit');
    expect(await q.expectClosed()).toBe(L.bye);
  });

  it('after naming: empty lines, not understood lines, CRLF, help, rooms and bad room names', async () => {
    const c = await clients.connect(port, { label: 'Alex' });
    c.sendRaw('set-name Alex\r\n');
    await c.expect(L.nameSet('Alex'));
    c.send('rooms');
    await c.expect(L.rooms([]));
    c.send('');
    await c.expect(L.emptyLine);
    c.sendRaw('\r\n');
    await c.expect(L.emptyLine);
    c.sendRaw('\n\n');
    await c.expect(PROMPT + PROMPT);

    const sorry = ['join', 'join ', 'say', 'say ', 'say CoolRoom', 'dance', 'JOIN CoolRoom', 'set-nameAlex', utf8Bytes('héllo wörld ✓')];
    for (const line of sorry) {
      c.send(line);
      await c.expect(L.notUnderstood(line));
    }
    c.sendRaw('dance\r\n');
    await c.expect(L.notUnderstood('dance'));
    c.sendRaw('dance\r\r\n');
    await c.expect(L.notUnderstood('dance\r'));

    c.send('help');
    const help = await c.expectMatch(/^((?:[^\n]+\n){9,})> /);
    expect(help[1].split('\n').filter(Boolean).map((l) => l.split(' ')[0]).sort()).toEqual(COMMANDS);
    expect(c.buffered).toBe('');

    const r64 = 'r'.repeat(64);
    const e32 = utf8Bytes('é'.repeat(32)); // 64 bytes
    for (const bad of [`join ${'r'.repeat(65)}`, `join ${utf8Bytes('é'.repeat(33))}`, 'join a b', `who ${'r'.repeat(65)}`, `leave ${'r'.repeat(65)}`, `show-unread ${'r'.repeat(65)}`, `say ${'r'.repeat(65)} hi`]) {
      c.send(bad);
      await expectReason(c);
    }
    c.send('rooms');
    await c.expect(L.rooms([]));
    await joinRoom(c, 'Alex', r64);
    await joinRoom(c, 'Alex', e32);
    c.send('rooms');
    await c.expect(L.rooms([r64, e32]));
    c.send(`say ${e32} ${utf8Bytes('ünïcødé ✓')}`);
    await c.expect(L.message(e32, 'Alex', utf8Bytes('ünïcødé ✓')));
    await c.expectNothing();
  });

  it('join, say, who, leave, close and quit between clients; text byte for byte; joining again repeats only the joined line', async () => {
    const alex = await clients.named(port, 'Alex');
    const bob = await clients.named(port, 'Bob');
    const room = 'CoolRoom';
    await joinRoom(alex, 'Alex', room);
    alex.send(`join ${room}`);
    await alex.expect(L.joined(room));
    await alex.expectNothing();

    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    bob.send(`who ${room}`);
    await bob.expect(L.who(room, ['Alex', 'Bob']));

    // a second connection under the same name: who lists names once; both connections get messages
    const alex2 = await clients.named(port, 'Alex');
    await joinRoom(alex2, 'Alex', room);
    await allGet([alex, bob], L.hasJoined(room, 'Alex'));
    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex', 'Bob']));

    bob.send(`say ${room} HI!`);
    await allGet([alex, alex2, bob], L.message(room, 'Bob', 'HI!'));
    await bob.expectNothing();
    // everything after the single space that follows the room, byte for byte; one trailing \r dropped
    bob.sendRaw(`say ${room}  two  spaces \t\r\r\n`);
    await allGet([alex, alex2, bob], L.message(room, 'Bob', ' two  spaces \t\r'));
    bob.sendRaw(Buffer.concat([Buffer.from(`say ${room} `), Buffer.from([0x00, 0xff, 0xe2, 0x9c, 0x93, 0x27]), Buffer.from('\n')]));
    await allGet([alex, alex2, bob], L.message(room, 'Bob', '\u0000\u00ff\u00e2\u009c\u0093\''));
    bob.send(`say ${room} `);
    await allGet([alex, alex2, bob], L.message(room, 'Bob', ''));

    alex2.send(`leave ${room}`);
    await alex2.expect(L.left(room));
    await allGet([alex, bob], L.hasLeft(room, 'Alex'));
    await alex2.expectNothing();

    const carol = await clients.named(port, 'Carol');
    await joinRoom(carol, 'Carol', room, [
      ['Bob', 'HI!'],
      ['Bob', ' two  spaces \t\r'],
      ['Bob', '\u0000\u00ff\u00e2\u009c\u0093\''],
      ['Bob', ''],
    ]);
    await allGet([alex, bob], L.hasJoined(room, 'Carol'));
    carol.destroy();
    await allGet([alex, bob], L.hasLeft(room, 'Carol'));

    bob.send('quit');
    expect(await bob.expectClosed()).toBe(L.bye);
    await alex.expect(L.hasLeft(room, 'Bob'));
    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex']));
    await alex.expectNothing();
    await alex2.expectNothing();
  });

  it('shows the last 20 messages on join; a non-member says without being answered', async () => {
    const room = 'HistRoom';
    const bob = await clients.named(port, 'Bob');
    await joinRoom(bob, 'Bob', room);
    const said: [string, string][] = [];
    for (let i = 1; i <= 25; i++) {
      said.push(['Bob', `message ${i}`]);
      bob.send(`say ${room} message ${i}`);
    }
    await bob.expect(said.map(([from, text]) => L.message(room, from, text)).join(''));

    const dave = await clients.named(port, 'Dave');
    dave.send(`say ${room} from outside`);
    said.push(['Dave', 'from outside']);
    await bob.expect(L.message(room, 'Dave', 'from outside'));
    await dave.expectNothing();

    const carol = await clients.named(port, 'Carol');
    await joinRoom(carol, 'Carol', room, said.slice(-20));
    await bob.expect(L.hasJoined(room, 'Carol'));
    await dave.expectNothing();
  });

  it('show-unread lists what a name missed, then nothing', async () => {
    const room = 'UnreadRoom';
    const alex = await clients.named(port, 'Alex');
    const bob = await clients.named(port, 'Bob');
    await joinRoom(alex, 'Alex', room);
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    bob.send(`say ${room} one`);
    await allGet([alex, bob], L.message(room, 'Bob', 'one'));
    alex.send(`show-unread ${room}`);
    await alex.expect(L.unread([]));

    alex.send(`leave ${room}`);
    await alex.expect(L.left(room));
    await bob.expect(L.hasLeft(room, 'Alex'));
    bob.send(`say ${room} two`);
    bob.send(`say ${room} three`);
    await bob.expect(L.message(room, 'Bob', 'two') + L.message(room, 'Bob', 'three'));
    await alex.expectNothing();
    alex.send(`show-unread ${room}`);
    await alex.expect(L.unread([
      ['Bob', 'two'],
      ['Bob', 'three'],
    ]));
    alex.send(`show-unread ${room}`);
    await alex.expect(L.unread([]));
  });

  it('refuses a line over 8192 bytes and discards it; accepts 8192', async () => {
    const room = 'LongRoom';
    const alex = await clients.named(port, 'Alex');
    await joinRoom(alex, 'Alex', room);
    const prefix = `say ${room} `;
    const fits = 'x'.repeat(8192 - prefix.length);
    alex.send(prefix + fits);
    await alex.expect(L.message(room, 'Alex', fits));
    alex.send(`${prefix}${fits}y`);
    await alex.expect(L.tooLong);
    await alex.expectNothing();
    // over the limit in several writes, followed at once by a good line
    alex.sendRaw(`${prefix}${'z'.repeat(5000)}`);
    alex.sendRaw('z'.repeat(5000));
    alex.sendRaw(`${'z'.repeat(100000)}\n${prefix}after\n`);
    await alex.expect(L.tooLong + L.message(room, 'Alex', 'after'));
    await alex.expectNothing();
    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex']));
  });
});
