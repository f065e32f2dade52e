import { JoinResult, LocalRoomDirectory, Member, RoomDirectory, RoomUnavailableError } from '../rooms';
import { ChatSession, SessionLimits } from './chat-session';

/** a simulated connection: everything written to it, and whether it was closed */
class Client {
  private out = '';
  ended = false;
  readonly session: ChatSession;

  constructor(id: string, rooms: RoomDirectory, limits: Partial<SessionLimits> = {}) {
    this.session = new ChatSession(id, 'chat1@127.0.0.1', rooms, { write: (b) => (this.out += b), end: () => (this.ended = true) }, limits);
    this.session.open();
  }

  /** the bytes written since the last take */
  take(): string {
    const out = this.out;
    this.out = '';
    return out;
  }

  async send(...lines: string[]): Promise<string> {
    for (const line of lines) await this.session.line(line);
    return this.take();
  }
}

const GREETING = "connected! 'set-name <name>' and 'join <chat name>' to get started\n> ";

async function named(rooms: RoomDirectory, id: string, name: string, limits: Partial<SessionLimits> = {}): Promise<Client> {
  const c = new Client(id, rooms, limits);
  expect(c.take()).toBe(GREETING);
  expect(await c.send(`set-name ${name}`)).toBe(`ok your name is ${name}\n> `);
  return c;
}

describe('ChatSession with LocalRoomDirectory (docs/reference/chat-protocol.md exchanges)', () => {
  let rooms: LocalRoomDirectory;
  beforeEach(() => (rooms = new LocalRoomDirectory()));

  it('greets, and asks for a name first', async () => {
    const c = new Client('c1', rooms);
    expect(c.take()).toBe(GREETING);
    expect(await c.send('join CoolRoom')).toBe('must set a name before joining/chatting\n> ');
    expect(await c.send('')).toBe('must set a name before joining/chatting\n> ');
    expect(await c.send('set-name Alex')).toBe('ok your name is Alex\n> ');
    expect(await c.send('')).toBe('> ');
    expect(await c.send('dance')).toBe("sorry, I don't understand 'dance'\n> ");
  });

  it('Alex, Bob and Carol join CoolRoom; each join is announced to every member, the joiner last after its reply', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    expect(await alex.send('join CoolRoom')).toBe("joined CoolRoom! 'say CoolRoom <message>' to chat\n> * Alex has joined CoolRoom\n> ");
    const bob = await named(rooms, 'b', 'Bob');
    expect(await bob.send('join CoolRoom')).toBe("joined CoolRoom! 'say CoolRoom <message>' to chat\n> * Bob has joined CoolRoom\n> ");
    expect(alex.take()).toBe('* Bob has joined CoolRoom\n> ');
    const carol = await named(rooms, 'c', 'Carol');
    await carol.send('join CoolRoom');
    expect(alex.take()).toBe('* Carol has joined CoolRoom\n> ');
    expect(bob.take()).toBe('* Carol has joined CoolRoom\n> ');

    expect(await bob.send('say CoolRoom HI!')).toBe('CoolRoom - Bob: HI!\n> ');
    expect(alex.take()).toBe('CoolRoom - Bob: HI!\n> ');
    expect(carol.take()).toBe('CoolRoom - Bob: HI!\n> ');
  });

  it('joining twice repeats only the joined line, and each message arrives once', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom');
    await bob.send('join CoolRoom');
    alex.take();
    expect(await alex.send('join CoolRoom')).toBe("joined CoolRoom! 'say CoolRoom <message>' to chat\n> ");
    expect(bob.take()).toBe('');
    await bob.send('say CoolRoom once');
    expect(alex.take()).toBe('CoolRoom - Bob: once\n> ');
  });

  it("a non-member's say reaches the members and nothing comes back to the sender", async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const dave = await named(rooms, 'd', 'Dave');
    await alex.send('join CoolRoom');
    alex.take();
    expect(await dave.send('say CoolRoom  hello  there\t')).toBe('');
    expect(alex.take()).toBe('CoolRoom - Dave:  hello  there\t\n> ');
  });

  it('room names are case-sensitive', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom');
    await bob.send('join coolroom');
    alex.take();
    bob.take();
    await bob.send('say coolroom quiet');
    expect(alex.take()).toBe('');
    expect(await alex.send('rooms')).toBe('rooms: CoolRoom, coolroom\n> ');
  });

  it('a joiner sees the last 20 messages of the history before its join is announced', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    await alex.send('join CoolRoom');
    for (let i = 1; i <= 25; i++) await alex.send(`say CoolRoom m${i}`);
    alex.take();
    const bob = await named(rooms, 'b', 'Bob');
    const expected = Array.from({ length: 20 }, (_, i) => `CoolRoom - Alex: m${i + 6}\n`).join('');
    expect(await bob.send('join CoolRoom')).toBe(
      `joined CoolRoom! 'say CoolRoom <message>' to chat\n> the most recent messages are:\n\n${expected}> * Bob has joined CoolRoom\n> `,
    );
  });

  it('leave replies, then tells the others; closing the connection tells them too', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom', 'join Other');
    await bob.send('join CoolRoom', 'join Other');
    alex.take();
    bob.take();
    expect(await alex.send('leave CoolRoom')).toBe('left CoolRoom\n> ');
    expect(bob.take()).toBe('* Alex has left CoolRoom\n> ');
    await alex.session.close();
    expect(bob.take()).toBe('* Alex has left Other\n> ');
    expect(await bob.send('who Other')).toBe('Other: Bob\n> ');
  });

  it('quit says bye and closes; the others are told', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom');
    await bob.send('join CoolRoom');
    alex.take();
    bob.take();
    expect(await alex.send('quit')).toBe('bye\n');
    expect(alex.ended).toBe(true);
    expect(bob.take()).toBe('* Alex has left CoolRoom\n> ');
    expect(await alex.send('rooms')).toBe('');
  });

  it('show-unread lists what a name missed; delivered messages count as read', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom');
    await bob.send('join CoolRoom');
    await bob.send('say CoolRoom seen');
    alex.take();
    expect(await alex.send('show-unread CoolRoom')).toBe('no unread messages\n> ');
    await alex.send('leave CoolRoom');
    await bob.send('say CoolRoom first', 'say CoolRoom second');
    expect(alex.take()).toBe('');
    expect(await alex.send('show-unread CoolRoom')).toBe('You missed the following messages:\n    Bob: first\n    Bob: second\n> ');
    expect(await alex.send('show-unread CoolRoom')).toBe('no unread messages\n> ');
    expect(await alex.send('show-unread Nowhere')).toBe('no unread messages\n> ');
    // a name that was never in the room missed nothing
    const carol = await named(rooms, 'c', 'Carol');
    expect(await carol.send('show-unread CoolRoom')).toBe('no unread messages\n> ');
  });

  it('say to a room that does not exist answers one line and creates nothing; who and show-unread create nothing either', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    expect(await alex.send('say Nowhere hello?')).toBe('sorry, there is no room Nowhere\n> ');
    expect(await alex.send('who Nowhere', 'show-unread Nowhere', 'rooms')).toBe('Nowhere: no members\n> no unread messages\n> no rooms\n> ');
    expect(await alex.send('join Nowhere')).toBe("joined Nowhere! 'say Nowhere <message>' to chat\n> * Alex has joined Nowhere\n> ");
    expect(await alex.send('say Nowhere now it exists')).toBe('Nowhere - Alex: now it exists\n> ');
  });

  it('refuses a join beyond the rooms limit with one line; nothing changes; a leave makes room', async () => {
    const alex = await named(rooms, 'a', 'Alex', { maxRoomsPerConnection: 2 });
    await alex.send('join A', 'join B');
    expect(await alex.send('join C')).toBe('sorry, you are in too many rooms (max 2)\n> ');
    expect(await alex.send('rooms', 'who C')).toBe('rooms: A, B\n> C: no members\n> ');
    expect(await alex.send('join A')).toBe("joined A! 'say A <message>' to chat\n> ");
    await alex.send('leave B');
    expect(await alex.send('join C')).toBe("joined C! 'say C <message>' to chat\n> * Alex has joined C\n> ");
  });

  it('a join the room layer could not carry out does not count against the rooms limit', async () => {
    const local = new LocalRoomDirectory();
    let failing = true;
    const flaky: RoomDirectory = Object.assign(Object.create(local) as RoomDirectory, {
      join: (room: string, member: Member): Promise<JoinResult> => (failing ? Promise.reject(new RoomUnavailableError(room, '1 of 2 replicas answered')) : local.join(room, member)),
    });
    const alex = await named(flaky, 'a', 'Alex', { maxRoomsPerConnection: 1 });
    expect(await alex.send('join A')).toBe("joined A! 'say A <message>' to chat\n> sorry, A is unavailable right now (1 of 2 replicas answered)\n> ");
    failing = false;
    expect(await alex.send('join B')).toBe("joined B! 'say B <message>' to chat\n> * Alex has joined B\n> ");
  });

  it('closes a client that sets no name in time, with one line; a named one stays', async () => {
    const idle = new Client('i', rooms, { nameTimeoutMs: 50 });
    const busy = new Client('b', rooms, { nameTimeoutMs: 50 });
    const quick = new Client('q', rooms, { nameTimeoutMs: 50 });
    await quick.send('set-name Quick');
    // lines other than set-name do not count
    await busy.session.line('help');
    await busy.session.line('join R');
    const deadline = Date.now() + 5000;
    while (!(idle.ended && busy.ended) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(idle.take()).toBe(`${GREETING}bye: no name set within 0.05 s\n`);
    expect(busy.take()).toMatch(/must set a name before joining\/chatting\n> bye: no name set within 0.05 s\n$/);
    expect(idle.ended && busy.ended).toBe(true);
    expect(quick.ended).toBe(false);
    expect(await quick.send('rooms')).toBe('no rooms\n> ');
    expect(await idle.send('set-name Late')).toBe('');
  });

  it('who lists distinct names sorted; rooms are sorted', async () => {
    const carol = await named(rooms, 'c', 'Carol');
    const alex = await named(rooms, 'a', 'Alex');
    const alex2 = await named(rooms, 'a2', 'Alex');
    expect(await alex.send('rooms')).toBe('no rooms\n> ');
    await carol.send('join Zed', 'join CoolRoom');
    await alex.send('join CoolRoom');
    await alex2.send('join CoolRoom', 'join Apple');
    alex.take();
    expect(await alex.send('who CoolRoom')).toBe('CoolRoom: Alex, Carol\n> ');
    expect(await alex.send('rooms')).toBe('rooms: Apple, CoolRoom, Zed\n> ');
  });

  it('a renamed member speaks and is listed under the new name', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    const bob = await named(rooms, 'b', 'Bob');
    await alex.send('join CoolRoom');
    await bob.send('join CoolRoom');
    alex.take();
    bob.take();
    expect(await alex.send('set-name Zed')).toBe('ok your name is Zed\n> ');
    expect(await bob.send('who CoolRoom')).toBe('CoolRoom: Bob, Zed\n> ');
    await alex.send('say CoolRoom hi');
    expect(bob.take()).toBe('CoolRoom - Zed: hi\n> ');
  });

  it('a too-long line is answered in order with the others', async () => {
    const alex = await named(rooms, 'a', 'Alex');
    void alex.session.line('rooms');
    await alex.session.tooLong();
    expect(alex.take()).toBe('no rooms\n> line too long (max 8192 bytes)\n> ');
  });
});
