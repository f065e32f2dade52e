/**
 * Rooms against hostile or forgetful clients, on 3 simulated chat nodes whose rooms' clock the test
 * moves forward (`ChatRoomsOptions.now`): say, who and show-unread never create rooms or read
 * marks; an idle room without members is deleted on every replica; a stale copy (from a replica
 * that has not expired it yet) neither brings it back nor shows through a read; and a copy that
 * still lists members who left long ago is cleaned up by the sweep asking their nodes, then expires.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { VnodeMaster, getAplAnn, ownershipOf } from '@ringnest/riak-core';
import { SimNode, SimulatedCluster } from '@ringnest/riak-core/testing';
import { ChatSession } from '../session';
import { CHAT_SERVICE, ChatCommand, RoomReply } from './chat-commands';
import { ChatRoomsModule } from './chat-rooms.module';
import { CHAT_ROOMS_OPTIONS, ChatRoomsOptions, ChatStore } from './chat-store';
import { roomPartition } from './chat.vnode';
import { RingRoomDirectory } from './ring-room-directory';
import { RoomState, append, emptyRoom } from './room-state';
import { RoomSweeper } from './room-sweeper';
import { until } from '@ringnest/riak-core/testing';

const TTL_MS = 60_000;
const SWEEP_MS = 50;
/** the rooms' clock of every simulated node: real time plus what the test skipped (plus the node's lag) */
let skipped = 0;
const now = (): number => Date.now() + skipped;
/** node → how far its clock is behind the others (a replica that has not expired a room yet) */
const lag = new Map<string, number>();
const clockOf = (node: string) => (): number => now() - (lag.get(node) ?? 0);
/** let the room TTL pass (and a bit) */
const idleFor = (ms = TTL_MS + 1): void => {
  skipped += ms;
};

// generous: on a loaded 2-core machine the simulated nodes and their sweeps run several times slower than alone
jest.setTimeout(90000);


let nextId = 0;
const open: Client[] = [];

class Client {
  out = '';
  readonly session: ChatSession;
  constructor(node: SimNode) {
    this.session = new ChatSession(`x-${++nextId}`, node.name, node.get(RingRoomDirectory), { write: (b) => (this.out += b), end: () => undefined });
    open.push(this);
  }
  /** Send a line and return everything written since the last call, once the line is handled. */
  async send(line: string): Promise<string> {
    await this.session.line(line);
    const out = this.out;
    this.out = '';
    return out;
  }
}

async function named(node: SimNode, name: string): Promise<Client> {
  const c = new Client(node);
  await c.send(`set-name ${name}`);
  return c;
}

@Module({})
class RoomOptionsModule {}

const roomOptions = (options: Partial<ChatRoomsOptions>): DynamicModule => ({
  module: RoomOptionsModule,
  global: true,
  providers: [{ provide: CHAT_ROOMS_OPTIONS, useValue: options }],
  exports: [CHAT_ROOMS_OPTIONS],
});

describe('room expiry and creation rules on the ring (simulated chat nodes)', () => {
  const sim = new SimulatedCluster({
    app: 'chat',
    ringSize: 8,
    network: { seed: 11, minDelayMs: 0, maxDelayMs: 2 },
    runtime: { downAfterMs: 2500 },
    imports: (config) => [roomOptions({ roomTtlMs: TTL_MS, sweepIntervalMs: SWEEP_MS, now: clockOf(config.node) }), { module: ChatRoomsModule }],
  });
  let nodes: SimNode[];

  beforeAll(async () => {
    nodes = [];
    for (const name of ['a', 'b', 'c']) nodes.push(await sim.start(name));
    await sim.joinAll();
    await sim.settled();
  }, 60000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.session.close()));
  });
  afterAll(() => sim.stop());

  /** The room's 3 replicas: each vnode's entry, and the node's store of that partition (read without touching the vnode). */
  function replicas(room: string) {
    const owners = ownershipOf(nodes[0].rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), 3, new Set(owners)).map((entry) => ({
      entry,
      held: (): RoomState | undefined => sim.node(entry.node).get(ChatStore).partition(entry.index).get(room),
    }));
  }
  const send = (node: SimNode, command: ChatCommand) => node.get(VnodeMaster).command(replicas(command.op === 'expire' || command.op === 'evict-node' ? '' : command.room).map((r) => r.entry), CHAT_SERVICE, command);

  it('say to a room that does not exist answers one line on every node and creates nothing anywhere', async () => {
    for (const node of nodes) {
      const c = await named(node, 'Mallory');
      expect(await c.send('say Nowhere anyone?')).toBe('sorry, there is no room Nowhere\n> ');
      expect(await c.send('who Nowhere')).toBe('Nowhere: no members\n> ');
      expect(await c.send('show-unread Nowhere')).toBe('no unread messages\n> ');
    }
    expect(replicas('Nowhere').map((r) => r.held())).toEqual([undefined, undefined, undefined]);
    expect(await (await named(nodes[0], 'Alex')).send('rooms')).toBe('no rooms\n> ');
  });

  it('a non-member reaches an existing room; show-unread by names that were never members leaves no read marks', async () => {
    const [alex, bob, eve] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob'), await named(nodes[2], 'Eve')];
    await alex.send('join Marks');
    await bob.send('join Marks');
    await eve.send('say Marks hello from outside');
    await until('the message', () => alex.out.includes('Marks - Eve: hello from outside\n> '));
    await alex.send('leave Marks');
    await bob.send('say Marks after Alex left');
    for (let i = 0; i < 20; i++) {
      await eve.send(`set-name Eve${i}`);
      expect(await eve.send('show-unread Marks')).toBe('no unread messages\n> ');
    }
    expect(await alex.send('show-unread Marks')).toBe('You missed the following messages:\n    Bob: after Alex left\n> ');
    await until('every replica to hold the room', () => replicas('Marks').every((r) => r.held()));
    for (const r of replicas('Marks')) expect(Object.keys(r.held()?.readUpTo ?? {})).toEqual(['Alex']);
  });

  it('deletes an idle room without members on every replica; a stale copy arriving later is expired on arrival and never shown', async () => {
    // a room whose three replicas are on three different nodes (the test makes two of them lag)
    const room = ['Idle', 'Idle2', 'Idle3', 'Idle4', 'Idle5', 'Idle6', 'Idle7', 'Idle8'].find((r) => new Set(replicas(r).map((x) => x.entry.node)).size === 3) ?? 'Idle';
    const alex = await named(nodes[0], 'Alex');
    await alex.send(`join ${room}`);
    await alex.send(`say ${room} hello`);
    await alex.send(`leave ${room}`);
    const bob = await named(nodes[1], 'Bob');
    // `rooms` reads one replica per partition: the one that has not taken the join yet may answer first
    await until(`another node to list ${room}`, async () => new RegExp(`^rooms: (.+, )?${room}(, .+)?\\n> $`).test(await bob.send('rooms')));
    await until(`every replica to hold ${room}`, () => replicas(room).every((r) => r.held()));
    idleFor(TTL_MS - 1000);
    expect(await bob.send(`say ${room} still there`)).toBe('');
    idleFor();
    await until(`every replica to drop ${room}`, () => replicas(room).every((r) => !r.held()));
    expect(await bob.send('rooms')).not.toContain(room);
    expect(await bob.send(`say ${room} still there?`)).toBe(`sorry, there is no room ${room}\n> `);
    expect(await alex.send(`show-unread ${room}`)).toBe('no unread messages\n> ');

    // a copy from a replica that has not expired it yet: its newest activity is as old as the room's
    const stale = append(emptyRoom(), { id: 'stale.1', at: (now() - TTL_MS - 1000) * 1000, from: 'Alex', text: 'hello' });
    await Promise.all(send(nodes[2], { op: 'merge', room, state: stale }));
    expect(replicas(room).map((r) => r.held())).toEqual([undefined, undefined, undefined]);

    // two replicas whose clocks are behind still hold a copy with a message Alex has not read: a
    // read through the third node shows no room (it judges the merge by its own clock)
    const [behind1, behind2, inSync] = replicas(room);
    expect(new Set([behind1, behind2, inSync].map((r) => r.entry.node)).size).toBe(3);
    const old = now() - TTL_MS - 1000;
    const copy: RoomState = {
      ...emptyRoom(),
      history: [
        { id: 'old.1', at: old * 1000, from: 'Alex', text: 'read' },
        { id: 'old.2', at: (old + 1) * 1000, from: 'Bob', text: 'unread' },
      ],
      readUpTo: { Alex: [old * 1000, 'old.1'] },
      activeAt: old + 1,
    };
    for (const r of [behind1, behind2]) {
      lag.set(r.entry.node, 2 * TTL_MS);
      sim.node(r.entry.node).get(ChatStore).partition(r.entry.index).set(room, copy);
    }
    const alexThere = await named(sim.node(inSync.entry.node), 'Alex');
    expect(await alexThere.send(`show-unread ${room}`)).toBe('no unread messages\n> ');
    expect(behind1.held()).toBeDefined();
    expect(inSync.held()).toBeUndefined();
    // once their clocks catch up, they drop it by the same rule
    lag.clear();
    await until('the replicas that were behind to drop it', () => !behind1.held() && !behind2.held());
    const { state } = await nodes[0].get(VnodeMaster).syncCommand<RoomReply>(behind1.entry, CHAT_SERVICE, { op: 'read', room });
    expect(state).toEqual(emptyRoom());
  });

  it('a copy listing members who left long ago is cleaned up: their nodes say they are gone, then the room expires everywhere', async () => {
    const [alex, bob] = [await named(nodes[0], 'Alex'), await named(nodes[1], 'Bob')];
    await alex.send('join Ghosts');
    await bob.send('join Ghosts');
    await bob.send('say Ghosts boo');
    const [first] = replicas('Ghosts');
    const { state: copy } = await nodes[2].get(VnodeMaster).syncCommand<RoomReply>(first.entry, CHAT_SERVICE, { op: 'read', room: 'Ghosts' });
    expect(Object.values(copy.members).filter((m) => m.present)).toHaveLength(2);
    await alex.session.close();
    await bob.session.close();
    idleFor();
    await until('every replica to drop Ghosts', () => replicas('Ghosts').every((r) => !r.held()));

    // the old copy comes back (a late handoff) with both still present: it is a room again, and idle...
    await Promise.all(send(nodes[2], { op: 'merge', room: 'Ghosts', state: copy }));
    expect(replicas('Ghosts').every((r) => r.held())).toBe(true);
    // ...so the sweep asks the members' nodes and evicts them (an eviction is activity: the room lives one more TTL)
    await until('the ghosts to be evicted on every replica', () => replicas('Ghosts').every((r) => Object.values(r.held()?.members ?? {}).every((m) => !m.present)));
    expect(replicas('Ghosts').every((r) => r.held())).toBe(true);
    idleFor();
    await until('the room to expire everywhere', () => replicas('Ghosts').every((r) => !r.held()));
    expect(await (await named(nodes[2], 'Carol')).send('rooms')).not.toContain('Ghosts');
  });

  it('a room with a present member stays however long it is idle, and the sweep keeps its real members', async () => {
    const alex = await named(nodes[0], 'Alex');
    await alex.send('join Quiet');
    await alex.send('say Quiet anyone?');
    await until('every replica to hold Quiet', () => replicas('Quiet').every((r) => r.held()));
    idleFor(10 * TTL_MS);
    await Promise.all(nodes.map((n) => n.get(RoomSweeper).sweep()));
    await Promise.all(nodes.map((n) => n.get(RoomSweeper).sweep()));
    expect(replicas('Quiet').every((r) => r.held())).toBe(true);
    expect(await alex.send('who Quiet')).toBe('Quiet: Alex\n> ');
    const bob = await named(nodes[1], 'Bob');
    expect(await bob.send('say Quiet yes')).toBe('');
    await until('the message', () => alex.out.includes('Quiet - Bob: yes\n> '));
  });
});
