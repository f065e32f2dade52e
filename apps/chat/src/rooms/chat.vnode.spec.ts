/**
 * The chat vnode on its own, with a clock the test moves: which operations create rooms, and room
 * expiry by the vnode's clock — on access, by the sweep, and for stale copies arriving by handoff
 * or read repair (expired on arrival, never resurrected); the handoff callbacks that move rooms.
 */
import { CommandResult, HandoffItem, NodeName, PartitionIndex, VnodeContext, encodeMsgpack } from '@ringnest/riak-core';
import { ChatCommand, ChatReply, ExpireReply, RoomReply, TargetsReply } from './chat-commands';
import { ChatStore } from './chat-store';
import { ChatErrorReply, ChatVnode } from './chat.vnode';
import { MemberEntry, RoomState, StoredMessage, append, emptyRoom, join, putMember } from './room-state';

const TTL = 60_000;
const RING = 8;

describe('ChatVnode', () => {
  let now: number;
  let vnode: ChatVnode;
  let store: ChatStore;

  const entry = (conn: string, name: string, v: number, present = true): MemberEntry => ({ conn, node: 'n1@sim', name, v, present, at: now });
  const message = (id: string, text = id): StoredMessage => ({ id, at: now * 1000, from: 'Alex', text });

  function run<R extends ChatReply>(command: ChatCommand): R {
    const result = vnode.handleCommand(command) as CommandResult<ChatReply | ChatErrorReply>;
    if (result.kind !== 'reply') throw new Error(`unexpected ${result.kind}`);
    if ('error' in result.reply) throw new Error(result.reply.error);
    return result.reply as R;
  }
  const read = (room: string): RoomState => run<RoomReply>({ op: 'read', room }).state;
  const rooms = (): string[] => {
    const result = vnode.handleCoverage({ op: 'rooms' }, [...Array(RING).keys()] as PartitionIndex[]);
    return result.kind === 'reply' ? (result.reply as string[]).sort() : [];
  };

  function newVnode(node: string): { vnode: ChatVnode; store: ChatStore } {
    const s = new ChatStore({ roomTtlMs: TTL, now: () => now });
    const v = new ChatVnode(s);
    const ctx: VnodeContext = { service: 'chat', index: 0 as PartitionIndex, partition: 0n, ringSize: RING, node: node as NodeName, reply: () => undefined, fail: () => undefined };
    v.init(ctx);
    return { vnode: v, store: s };
  }

  beforeEach(() => {
    now = 1_000_000;
    ({ vnode, store } = newVnode('n1@sim'));
  });

  it('say, read, mark-read and evict never create a room; join does', () => {
    expect(run<TargetsReply>({ op: 'say', room: 'R', message: message('m1') })).toEqual({ targets: {}, missing: true });
    run({ op: 'mark-read', room: 'R', name: 'Alex', upTo: [1, 'm1'] });
    run({ op: 'evict', room: 'R', conns: ['c1'] });
    expect(read('R')).toEqual(emptyRoom());
    expect(vnode.size()).toBe(0);

    run({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) });
    expect(run<TargetsReply>({ op: 'say', room: 'R', message: message('m1') })).toEqual({ targets: { 'n1@sim': ['c1'] } });
    expect(read('R').history.map((m) => m.text)).toEqual(['m1']);
    expect(rooms()).toEqual(['R']);
  });

  it('a say answers with the members as every kind of write left them (the targets a say reuses follow each change)', () => {
    const say = (text: string) => run<TargetsReply>({ op: 'say', room: 'R', message: message(text) }).targets;
    const on = (node: string, conn: string, v: number, present = true): MemberEntry => ({ ...entry(conn, conn, v, present), node });
    run({ op: 'join', room: 'R', entry: on('n1@sim', 'c1', 1) });
    expect(say('1')).toEqual({ 'n1@sim': ['c1'] });
    expect(say('2')).toEqual({ 'n1@sim': ['c1'] });
    run({ op: 'member', room: 'R', entry: on('n2@sim', 'c2', 1) });
    expect(say('3')).toEqual({ 'n1@sim': ['c1'], 'n2@sim': ['c2'] });
    run({ op: 'evict', room: 'R', conns: ['c1'] });
    expect(say('4')).toEqual({ 'n2@sim': ['c2'] });
    run({ op: 'merge', room: 'R', state: join(emptyRoom(), on('n3@sim', 'c3', 1)) });
    expect(say('5')).toEqual({ 'n2@sim': ['c2'], 'n3@sim': ['c3'] });
    expect(vnode.handleHandoffData(encodeMsgpack({ room: 'R', state: join(emptyRoom(), on('n1@sim', 'c4', 1)) }))).toEqual({ kind: 'ok' });
    expect(say('6')).toEqual({ 'n1@sim': ['c4'], 'n2@sim': ['c2'], 'n3@sim': ['c3'] });
    run({ op: 'evict-node', node: 'n2@sim' });
    expect(say('7')).toEqual({ 'n1@sim': ['c4'], 'n3@sim': ['c3'] });
    run({ op: 'member', room: 'R', entry: on('n3@sim', 'c3', 2, false) });
    expect(say('8')).toEqual({ 'n1@sim': ['c4'] });
    run({ op: 'mark-read', room: 'R', name: 'c4', upTo: [now * 1000, '8'] });
    expect(say('9')).toEqual({ 'n1@sim': ['c4'] });
  });

  it('a room with history and no members takes messages until it expires, then is gone with its history and marks', () => {
    run({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) });
    run({ op: 'say', room: 'R', message: message('m1') });
    now += 1;
    run({ op: 'member', room: 'R', entry: entry('c1', 'Alex', 2, false) });
    expect(read('R').readUpTo).toEqual({ Alex: [(now - 1) * 1000, 'm1'] });
    now += TTL;
    expect(run<TargetsReply>({ op: 'say', room: 'R', message: message('m2') })).toEqual({ targets: {} });
    now += TTL;
    expect(rooms()).toEqual(['R']);
    now += 1;
    expect(rooms()).toEqual([]);
    expect(run<TargetsReply>({ op: 'say', room: 'R', message: message('m3') })).toEqual({ targets: {}, missing: true });
    expect(read('R')).toEqual(emptyRoom());
    expect(vnode.size()).toBe(0);
    // joining again starts a new room: no history, no marks
    run({ op: 'join', room: 'R', entry: entry('c2', 'Bob', 1) });
    expect(read('R')).toMatchObject({ history: [], readUpTo: {} });
  });

  it('a room with a present member never expires, however long it is idle', () => {
    run({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) });
    now += 100 * TTL;
    expect(rooms()).toEqual(['R']);
    expect(run<ExpireReply>({ op: 'expire' })).toEqual({ expired: 0, idle: [{ room: 'R', members: [expect.objectContaining({ conn: 'c1', present: true })] }] });
    expect(vnode.size()).toBe(1);
  });

  it('the sweep drops expired rooms and rooms left with only old tombstones, and lists idle rooms with members', () => {
    run({ op: 'join', room: 'Gone', entry: entry('c1', 'Alex', 1) });
    run({ op: 'say', room: 'Gone', message: message('m1') });
    run({ op: 'member', room: 'Gone', entry: entry('c1', 'Alex', 2, false) });
    run({ op: 'join', room: 'Empty', entry: entry('c2', 'Bob', 1) });
    run({ op: 'member', room: 'Empty', entry: entry('c2', 'Bob', 2, false) });
    run({ op: 'join', room: 'Kept', entry: entry('c3', 'Cy', 1) });
    now += 20_000;
    run({ op: 'join', room: 'Fresh', entry: entry('c4', 'Di', 1) });
    run({ op: 'say', room: 'Fresh', message: message('m2') });
    run({ op: 'member', room: 'Fresh', entry: entry('c4', 'Di', 2, false) });
    // the tombstone of Empty is forgotten (10 s), so it holds nothing and goes (not counted as expired)
    expect(run<ExpireReply>({ op: 'expire' })).toEqual({ expired: 0, idle: [] });
    expect(vnode.size()).toBe(3);
    now += TTL;
    expect(run<ExpireReply>({ op: 'expire' })).toEqual({ expired: 1, idle: [{ room: 'Kept', members: [expect.objectContaining({ conn: 'c3' })] }] });
    expect(rooms()).toEqual(['Fresh', 'Kept']);
    expect(store.stats.expired).toBe(1);
  });

  it('a stale copy arriving by handoff or read repair is expired on arrival; a fresh one is merged', () => {
    const stale = append(emptyRoom(), { id: 'old', at: (now - 2 * TTL) * 1000, from: 'Alex', text: 'old' });
    expect(vnode.handleHandoffData(encodeMsgpack({ room: 'Stale', state: stale }))).toEqual({ kind: 'ok' });
    run({ op: 'merge', room: 'Stale', state: stale });
    expect(vnode.size()).toBe(0);
    expect(read('Stale')).toEqual(emptyRoom());
    expect(rooms()).toEqual([]);

    // merged into a live replica it brings its old messages along, the room's activity is the live one's
    run({ op: 'join', room: 'Live', entry: entry('c1', 'Bob', 1) });
    run({ op: 'merge', room: 'Live', state: stale });
    expect(read('Live').history.map((m) => m.text)).toEqual(['old']);

    const fresh = join(emptyRoom(), entry('c9', 'Cy', 1));
    expect(vnode.handleHandoffData(encodeMsgpack({ room: 'Fresh', state: fresh }))).toEqual({ kind: 'ok' });
    expect(rooms()).toEqual(['Fresh', 'Live']);
  });

  it('a copy holding only a member who left long ago is not a room', () => {
    let copy = join(emptyRoom(), { ...entry('c1', 'Alex', 1), at: now - 3 * TTL });
    copy = putMember(copy, { ...entry('c1', 'Alex', 2, false), at: now - 2 * TTL });
    run({ op: 'merge', room: 'R', state: copy });
    expect(vnode.size()).toBe(0);
  });

  it('expiry is answered by the source during handoff, not forwarded; writes are', () => {
    expect(vnode.handleHandoffCommand({ op: 'expire' } satisfies ChatCommand)).toEqual({ kind: 'reply', reply: { expired: 0, idle: [] } });
    expect(vnode.handleHandoffCommand({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) } satisfies ChatCommand)).toMatchObject({ kind: 'reply-and-forward' });
  });

  it('a handoff moves every room: folded and encoded on the source, merged on the target (twice changes nothing); the source is then deleted', async () => {
    run({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) });
    run({ op: 'say', room: 'R', message: message('m1') });
    run({ op: 'join', room: 'S', entry: entry('c2', 'Bo', 1) });
    const items: HandoffItem[] = [];
    await vnode.fold((item) => void items.push(item));
    expect(items.map((i) => i.key).sort()).toEqual(['R', 'S']);
    const target = newVnode('n2@sim').vnode;
    for (const item of [...items, ...items]) expect(target.handleHandoffData(vnode.encodeHandoffItem(item))).toEqual({ kind: 'ok' });
    const readOn = (v: ChatVnode, room: string) => (v.handleCommand({ op: 'read', room } satisfies ChatCommand) as { reply: RoomReply }).reply.state;
    expect(readOn(target, 'R')).toEqual(read('R'));
    expect(readOn(target, 'S')).toEqual(read('S'));
    expect(target.size()).toBe(2);
    vnode.delete();
    expect([vnode.isEmpty(), vnode.size(), rooms()]).toEqual([true, 0, []]);
  });

  it('fold visits only the rooms of the partitions asked for', async () => {
    run({ op: 'join', room: 'R', entry: entry('c1', 'Alex', 1) });
    const none: HandoffItem[] = [];
    await vnode.fold((item) => void none.push(item), []);
    expect(none).toEqual([]);
    const all: HandoffItem[] = [];
    await vnode.fold((item) => void all.push(item), [...Array(RING).keys()] as PartitionIndex[]);
    expect(all.map((i) => i.key)).toEqual(['R']);
  });

  it('refuses handoff data that is not a room, storing nothing, and coverage other than rooms', () => {
    expect(vnode.handleHandoffData(Uint8Array.from([0xc1]))).toMatchObject({ kind: 'error', reason: expect.stringMatching(/^chat handoff item/) });
    expect(vnode.handleHandoffData(encodeMsgpack({ room: 'R', state: { not: 'a room' } }))).toEqual({ kind: 'error', reason: 'chat handoff item: expected {room, state}' });
    expect(vnode.handleHandoffData(encodeMsgpack({ room: 7, state: emptyRoom() }))).toMatchObject({ kind: 'error' });
    expect(vnode.isEmpty()).toBe(true);
    expect(vnode.handleCoverage({ op: 'members' }, [0 as PartitionIndex])).toEqual({ kind: 'reply', reply: { error: "chat coverage supports {op:'rooms'} only" } });
  });
});
