/**
 * Rooms on the ring, on 4 (then 5) simulated chat nodes (in-memory transport, real Nest modules): chat
 * sessions on different nodes share rooms, each member gets every event exactly once, the room
 * survives the death of the node of its first replica without re-joining, and that node's members
 * are dropped with a notice; rooms move with ownership handoff when a node joins.
 */
import { VnodeMaster, getAplAnn, ownershipOf } from '@ringnest/riak-core';
import { CHAT_SERVICE, RoomReply } from './chat-commands';
import { SimNode, SimulatedCluster } from '@ringnest/riak-core/testing';
import { ChatSession } from '../session';
import { ChatRoomsModule } from './chat-rooms.module';
import { roomPartition } from './chat.vnode';
import { RingRoomDirectory } from './ring-room-directory';
import { until } from '@ringnest/riak-core/testing';


let nextId = 0;

class Client {
  out = '';
  readonly session: ChatSession;
  constructor(readonly node: SimNode) {
    this.session = new ChatSession(`t-${++nextId}`, node.name, node.get(RingRoomDirectory), { write: (b) => (this.out += b), end: () => undefined });
  }
  async send(line: string): Promise<void> {
    await this.session.line(line);
  }
  /** Wait until the output holds `bytes`, then consume everything up to and including it. */
  async expect(bytes: string, timeoutMs = 20000): Promise<void> {
    await until(`${JSON.stringify(bytes)} (have ${JSON.stringify(this.out)})`, () => this.out.includes(bytes), timeoutMs);
    this.out = this.out.slice(this.out.indexOf(bytes) + bytes.length);
  }
  take(): string {
    const o = this.out;
    this.out = '';
    return o;
  }
  count(bytes: string): number {
    return this.out.split(bytes).length - 1;
  }
}

async function named(node: SimNode, name: string): Promise<Client> {
  const c = new Client(node);
  await c.send(`set-name ${name}`);
  c.take();
  return c;
}

describe('rooms on the ring (simulated chat nodes)', () => {
  // Down after 2.5 s of silence (as on real nodes), not the simulator's 1 s: on a loaded CI machine a
  // shorter bound makes nodes suspect each other in the middle of a test.
  const sim = new SimulatedCluster({
    app: 'chat',
    ringSize: 16,
    network: { seed: 7, minDelayMs: 0, maxDelayMs: 2 },
    runtime: { downAfterMs: 2500 },
    imports: () => [{ module: ChatRoomsModule }],
  });
  let nodes: SimNode[];

  beforeAll(async () => {
    nodes = [];
    for (const name of ['a', 'b', 'c', 'd']) nodes.push(await sim.start(name));
    await sim.joinAll();
    await sim.settled();
  }, 60000);
  afterAll(() => sim.stop());

  /** A room's primaries, in preference order. */
  function primaryEntries(room: string) {
    const owners = ownershipOf(nodes[0].rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), 3, new Set(owners));
  }
  const primaries = (room: string): string[] => primaryEntries(room).map((e) => e.node);

  it('delivers a say once to every member on every node, after join notices, with history for later joiners', async () => {
    const [alex, bob, carol] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob'), await named(nodes[2], 'Carol')];
    await alex.send('join CoolRoom');
    await alex.expect("joined CoolRoom! 'say CoolRoom <message>' to chat\n> * Alex has joined CoolRoom\n> ");
    await bob.send('join CoolRoom');
    await bob.expect("joined CoolRoom! 'say CoolRoom <message>' to chat\n> * Bob has joined CoolRoom\n> ");
    await alex.expect('* Bob has joined CoolRoom\n> ');
    await carol.send('join CoolRoom');
    await carol.expect('* Carol has joined CoolRoom\n> ');
    await Promise.all([alex.expect('* Carol has joined CoolRoom\n> '), bob.expect('* Carol has joined CoolRoom\n> ')]);

    await bob.send('say CoolRoom HI!');
    for (const c of [alex, bob, carol]) await c.expect('CoolRoom - Bob: HI!\n> ');
    // a round trip through every client: nothing else (no second copy) arrived before it
    for (const c of [alex, bob, carol]) {
      await c.send('who CoolRoom');
      await c.expect('CoolRoom: Alex, Bob, Carol\n> ');
      expect(c.take()).toBe('');
    }

    const dan = await named(nodes[3], 'Dan');
    await dan.send('join CoolRoom');
    await dan.expect("joined CoolRoom! 'say CoolRoom <message>' to chat\n> the most recent messages are:\n\nCoolRoom - Bob: HI!\n> * Dan has joined CoolRoom\n> ");
    await dan.send('rooms');
    await dan.expect('rooms: CoolRoom\n> ');
  }, 60000);

  it('a member who joined twice gets each message once; a non-member reaches members and gets nothing back; names are case-sensitive', async () => {
    const [alex, bob, eve] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob'), await named(nodes[2], 'Eve')];
    await alex.send('join Twice');
    await alex.send('join Twice');
    await bob.send('join Twice');
    await alex.expect('* Bob has joined Twice\n> ');
    alex.take();
    await eve.send('join twice');
    eve.take();
    await eve.send('say Twice hello from outside');
    await alex.expect('Twice - Eve: hello from outside\n> ');
    await bob.expect('Twice - Eve: hello from outside\n> ');
    await bob.send('say Twice again');
    await alex.expect('Twice - Bob: again\n> ');
    await alex.send('who Twice');
    await alex.expect('Twice: Alex, Bob\n> ');
    expect(alex.take()).toBe('');
    await eve.send('who twice');
    await eve.expect('twice: Eve\n> ');
    expect(eve.take()).toBe('');
  }, 60000);

  it('a disconnect removes the member and tells the room', async () => {
    const [alex, bob] = [await named(nodes[0], 'Alex'), await named(nodes[2], 'Bob')];
    await alex.send('join Bye');
    await bob.send('join Bye');
    await alex.expect('* Bob has joined Bye\n> ');
    await bob.session.close();
    await alex.expect('* Bob has left Bye\n> ');
    await alex.send('who Bye');
    await alex.expect('Bye: Alex\n> ');
  }, 60000);

  it('moves rooms with ownership handoff: a node that joins serves the members and history of the rooms it now holds', async () => {
    const [alex, bob] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob')];
    const rooms = Array.from({ length: 12 }, (_, i) => `Move${i}`);
    for (const room of rooms) {
      await alex.send(`join ${room}`);
      await bob.send(`join ${room}`);
      await bob.send(`say ${room} hello ${room}`);
      await alex.expect(`${room} - Bob: hello ${room}\n> `);
    }
    const e = await sim.start('e');
    nodes.push(e);
    await e.membership.join(nodes[0].addr, true);
    await sim.settled();
    const moved = rooms.filter((room) => primaries(room).includes(e.name));
    expect(moved.length).toBeGreaterThan(0);
    for (const room of moved) {
      const entry = primaryEntries(room).find((p) => p.node === e.name);
      if (!entry) throw new Error('no primary on e');
      const { state } = await e.get(VnodeMaster).syncCommand<RoomReply>(entry, CHAT_SERVICE, { op: 'read', room });
      expect(state.history.map((m) => m.text)).toEqual([`hello ${room}`]);
      expect(Object.values(state.members).filter((m) => m.present).map((m) => m.name).sort()).toEqual(['Alex', 'Bob']);
    }
    const carol = await named(e, 'Carol');
    await carol.send(`join ${moved[0]}`);
    await carol.expect(`the most recent messages are:\n\n${moved[0]} - Bob: hello ${moved[0]}\n> `);
    await alex.expect(`* Carol has joined ${moved[0]}\n> `);
  }, 90000);

  it('a node only cut off for a while is evicted, then re-asserts its members when it is back: they rejoin without re-joining', async () => {
    const [alex, dave] = [await named(nodes[0], 'Alex'), await named(nodes[3], 'Dave')];
    await alex.send('join Cut');
    await dave.send('join Cut');
    await alex.expect('* Dave has joined Cut\n> ');
    const others = nodes.filter((n) => n !== nodes[3]).map((n) => n.addr);
    sim.network.partition([nodes[3].addr], others);
    try {
      await alex.expect('* Dave has left Cut\n> ');
    } finally {
      sim.network.heal();
    }
    // (what Dave sees meanwhile depends on whether his node holds a replica of the room)
    await alex.expect('* Dave has joined Cut\n> ');
    await alex.send('say Cut welcome back');
    await dave.expect('Cut - Alex: welcome back\n> ');
    await dave.send('who Cut');
    await dave.expect('Cut: Alex, Dave\n> ');
  }, 90000);

  it('keeps a room working without re-joining when the node of its first replica dies, and drops that node’s members', async () => {
    // a room whose first primary is node d; members on every node
    let room = '';
    for (let i = 0; !room && i < 10000; i++) if (primaries(`Fail${i}`)[0] === nodes[3].name) room = `Fail${i}`;
    expect(room).not.toBe('');
    const [alex, bob, carol, dave] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob'), await named(nodes[2], 'Carol'), await named(nodes[3], 'Dave')];
    for (const c of [alex, bob, carol, dave]) await c.send(`join ${room}`);
    await until('all four joined', () => alex.count(' has joined ') >= 4);
    await alex.send(`say ${room} before`);
    for (const c of [alex, bob, carol, dave]) await c.expect(`${room} - Alex: before\n> `);

    await sim.crash(nodes[3].name);
    const survivors = [alex, bob, carol];
    for (const c of survivors) await c.expect(`* Dave has left ${room}\n> `);
    await bob.send(`say ${room} after`);
    for (const c of survivors) await c.expect(`${room} - Bob: after\n> `);
    await carol.send(`who ${room}`);
    await carol.expect(`${room}: Alex, Bob, Carol\n> `);
    for (const c of survivors) expect(c.take()).toBe('');

    const late = await named(nodes[1], 'Late');
    await late.send(`join ${room}`);
    await late.expect(`the most recent messages are:\n\n${room} - Alex: before\n${room} - Bob: after\n> `);
  }, 90000);
});
