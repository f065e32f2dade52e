import { LocalRoomDirectory } from './local-room-directory';
import { HISTORY_LENGTH } from './room-state';
import { Member, RoomEvent } from './room-directory';

const NODE = 'chat1@127.0.0.1';
const member = (name: string, connection: string): Member => ({ name, connection, node: NODE });

describe('LocalRoomDirectory', () => {
  let rooms: LocalRoomDirectory;
  let got: Record<string, RoomEvent[]>;
  const attach = (connection: string) => {
    got[connection] = [];
    rooms.attach(connection, (e) => got[connection].push(e));
  };

  beforeEach(() => {
    rooms = new LocalRoomDirectory();
    got = {};
    ['a', 'b', 'c'].forEach(attach);
  });

  it('announces a join to every member, the joiner included, once per connection', async () => {
    expect(await rooms.join('R', member('Alex', 'a'))).toEqual({ kind: 'joined', history: [] });
    expect(await rooms.join('R', member('Alex', 'a'))).toEqual({ kind: 'already-member' });
    await rooms.join('R', member('Bob', 'b'));
    expect(got['a']).toEqual([
      { kind: 'joined', room: 'R', name: 'Alex' },
      { kind: 'joined', room: 'R', name: 'Bob' },
    ]);
    expect(got['b']).toEqual([{ kind: 'joined', room: 'R', name: 'Bob' }]);
    expect(got['c']).toEqual([]);
  });

  it('keeps the last 20 messages as history, oldest first', async () => {
    await rooms.join('R', member('Alex', 'a'));
    for (let i = 0; i < HISTORY_LENGTH + 3; i++) await rooms.say('R', 'Alex', `m${i}`);
    const joined = await rooms.join('R', member('Bob', 'b'));
    expect(joined.kind === 'joined' && joined.history.map((m) => m.text)).toEqual(Array.from({ length: HISTORY_LENGTH }, (_, i) => `m${i + 3}`));
  });

  it('say, who and unread never create a room', async () => {
    expect(await rooms.say('R', 'Alex', 'hello?')).toEqual({ kind: 'no-such-room' });
    expect(await rooms.who('R')).toEqual([]);
    expect(await rooms.unread('R', member('Alex', 'a'))).toEqual([]);
    expect(await rooms.rooms()).toEqual([]);
    await rooms.join('R', member('Alex', 'a'));
    expect(await rooms.say('R', 'Bob', 'hi')).toEqual({ kind: 'said' });
    expect(got['a']).toContainEqual({ kind: 'message', room: 'R', from: 'Bob', text: 'hi' });
  });

  it('detach leaves every room, tells the others, and stops delivery', async () => {
    await rooms.join('R', member('Alex', 'a'));
    await rooms.join('S', member('Alex', 'a'));
    await rooms.join('R', member('Bob', 'b'));
    got['b'] = [];
    await rooms.detach('a');
    expect(got['b']).toEqual([{ kind: 'left', room: 'R', name: 'Alex' }]);
    expect(await rooms.who('R')).toEqual(['Bob']);
    expect(await rooms.who('S')).toEqual([]);
    got['a'] = [];
    await rooms.say('R', 'Bob', 'x');
    expect(got['a']).toEqual([]);
  });

  it('counts a message read for a name once it is delivered to a connection of that name; a name never in the room missed nothing', async () => {
    await rooms.join('R', member('Bob', 'b'));
    await rooms.say('R', 'Bob', 'before');
    expect(await rooms.unread('R', member('Alex', 'a'))).toEqual([]);
    await rooms.join('R', member('Alex', 'a'));
    await rooms.say('R', 'Bob', 'delivered');
    expect(await rooms.unread('R', member('Alex', 'c'))).toEqual([]);
    await rooms.leave('R', member('Alex', 'a'));
    await rooms.say('R', 'Bob', 'missed');
    expect(await rooms.unread('R', member('Alex', 'a'))).toEqual([{ from: 'Bob', text: 'missed' }]);
    expect(await rooms.unread('R', member('Alex', 'a'))).toEqual([]);
  });

  it('forgets a room without members once idle past the TTL, with its history and marks', async () => {
    let now = 0;
    rooms = new LocalRoomDirectory({ roomTtlMs: 1000, now: () => now });
    ['a', 'b'].forEach(attach);
    await rooms.join('R', member('Alex', 'a'));
    await rooms.join('R', member('Bob', 'b'));
    await rooms.say('R', 'Bob', 'hi');
    await rooms.leave('R', member('Alex', 'a'));
    now = 10_000;
    // a present member keeps it
    expect(await rooms.rooms()).toEqual(['R']);
    await rooms.leave('R', member('Bob', 'b'));
    now += 1000;
    expect(await rooms.rooms()).toEqual(['R']);
    expect(await rooms.unread('R', member('Alex', 'a'))).toEqual([]);
    now += 1;
    expect(await rooms.rooms()).toEqual([]);
    expect(await rooms.say('R', 'Bob', 'anyone?')).toEqual({ kind: 'no-such-room' });
    const again = await rooms.join('R', member('Alex', 'a'));
    expect(again).toEqual({ kind: 'joined', history: [] });
  });

  it('leave of a non-member is a value, not an error', async () => {
    expect(await rooms.leave('R', member('Alex', 'a'))).toEqual({ kind: 'not-a-member' });
  });
});
