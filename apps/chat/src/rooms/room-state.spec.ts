import fc from 'fast-check';
import {
  HISTORY_LENGTH,
  MemberEntry,
  RoomState,
  StoredMessage,
  TOMBSTONE_TTL_MS,
  append,
  emptyRoom,
  evictConns,
  evictNode,
  expireTombstones,
  fingerprint,
  isRoomState,
  join,
  markRead,
  mergeRooms,
  presentMembers,
  putMember,
  targetsOf,
  unreadFor,
} from './room-state';

const entry = (conn: string, name: string, v: number, present = true, node = 'n1', at = 0): MemberEntry => ({ conn, node, name, v, present, at });
const msg = (id: string, at: number, from = 'Alex', text = id): StoredMessage => ({ id, at, from, text });

// Operations as the coordinators issue them: each connection's entries come from one writer with increasing versions.
type Op = { kind: 'member'; entry: MemberEntry } | { kind: 'say'; message: StoredMessage } | { kind: 'read'; name: string; upTo: [number, string] } | { kind: 'evict'; node: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ c: fc.integer({ min: 0, max: 4 }), v: fc.integer({ min: 1, max: 6 }) })
    // one writer per connection: the same (conn, v) always carries the same write
    .map(({ c, v }) => ({ kind: 'member' as const, entry: entry(`c${c}`, `name${(c + v) % 3}`, v, v % 2 === 1, c % 2 ? 'n2' : 'n1', v) })),
  fc.record({ i: fc.integer({ min: 0, max: 40 }) }).map(({ i }) => ({ kind: 'say' as const, message: msg(`m${i}`, 1000 + (i % 7), `name${i % 3}`) })),
  fc.record({ n: fc.integer({ min: 0, max: 2 }), i: fc.integer({ min: 0, max: 40 }) }).map(({ n, i }) => ({ kind: 'read' as const, name: `name${n}`, upTo: [1000 + (i % 7), `m${i}`] as [number, string] })),
  fc.constant({ kind: 'evict' as const, node: 'n2' }),
);

function apply(r: RoomState, op: Op): RoomState {
  switch (op.kind) {
    case 'member':
      return putMember(r, op.entry);
    case 'say':
      return append(r, op.message);
    case 'read':
      return markRead(r, op.name, op.upTo);
    case 'evict':
      evictNode(r, op.node, 5);
      return r;
  }
}

const stateArb = fc.array(opArb, { maxLength: 30 }).map((ops) => ops.reduce(apply, emptyRoom()));
const same = (a: RoomState, b: RoomState) => expect(fingerprint(a)).toBe(fingerprint(b));

describe('room state CRDT', () => {
  it('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(stateArb, stateArb, stateArb, (a, b, c) => {
        same(mergeRooms(a, b), mergeRooms(b, a));
        same(mergeRooms(mergeRooms(a, b), c), mergeRooms(a, mergeRooms(b, c)));
        same(mergeRooms(a, a), a);
      }),
      { numRuns: 1000 },
    );
  });

  it('replicas that saw the same membership writes in any order, some twice, agree once merged', () => {
    fc.assert(
      fc.property(fc.array(opArb.filter((o) => o.kind === 'member'), { maxLength: 20 }), fc.integer(), (ops, seed) => {
        const shuffled = [...ops, ...ops.slice(0, ops.length / 2)].sort((x, y) => ((JSON.stringify(x).length * 31 + seed) % 7) - ((JSON.stringify(y).length * 31 + seed) % 7));
        const split = Math.floor(shuffled.length / 2);
        const r1 = shuffled.slice(0, split).reduce(apply, emptyRoom());
        const r2 = shuffled.slice(split).reduce(apply, emptyRoom());
        same(mergeRooms(r1, r2), ops.reduce(apply, emptyRoom()));
      }),
      { numRuns: 1000 },
    );
  });

  it('a newer write of a connection wins over an older one whatever the order; an eviction beats the entry it evicts, not a newer one', () => {
    const joined = entry('c1', 'Alex', 1);
    const left = entry('c1', 'Alex', 2, false);
    expect(presentMembers(putMember(putMember(emptyRoom(), left), joined))).toEqual([]);
    expect(presentMembers(putMember(putMember(emptyRoom(), joined), left))).toEqual([]);
    const evicted = putMember(emptyRoom(), joined);
    expect(evictNode(evicted, 'n1', 10)).toEqual([joined]);
    expect(evicted.members['c1']).toMatchObject({ v: 1, present: false });
    // a stale copy of the evicted entry does not bring it back; the owner's newer write does
    expect(presentMembers(putMember(evicted, joined))).toEqual([]);
    expect(presentMembers(putMember(evicted, entry('c1', 'Alex', 3))).map((m) => m.name)).toEqual(['Alex']);
  });

  it('concurrent joins of different connections both survive a merge', () => {
    const a = join(emptyRoom(), entry('c1', 'Alex', 1));
    const b = join(emptyRoom(), entry('c2', 'Bob', 1, true, 'n2'));
    expect(presentMembers(mergeRooms(a, b)).map((m) => m.name).sort()).toEqual(['Alex', 'Bob']);
  });

  it('keeps each message once, ordered by time then id, the newest HISTORY_LENGTH', () => {
    const a = emptyRoom();
    const b = emptyRoom();
    // b receives its messages out of order, some twice
    for (let i = HISTORY_LENGTH + 4; i >= 0; i--) {
      const m = msg(`m${String(i).padStart(2, '0')}`, 100 + i);
      if (i % 3 !== 1) append(append(b, m), m);
    }
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) if (i % 2 === 0) append(a, msg(`m${String(i).padStart(2, '0')}`, 100 + i));
    const merged = mergeRooms(mergeRooms(a, b), a);
    expect(merged.history.map((m) => m.id)).toEqual(Array.from({ length: HISTORY_LENGTH + 5 }, (_, i) => `m${String(i).padStart(2, '0')}`).filter((_, i) => i % 2 === 0 || i % 3 !== 1).slice(-HISTORY_LENGTH));
  });

  it('tracks unread per name: a present member has read everything; a leaver has read up to the newest message', () => {
    let r = append(emptyRoom(), msg('m1', 1));
    r = join(r, entry('c1', 'Alex', 1));
    r = append(r, msg('m2', 2));
    expect(unreadFor(r, 'Alex')).toEqual([]);
    expect(unreadFor(r, 'Bob').map((m) => m.id)).toEqual(['m1', 'm2']);
    r = putMember(r, entry('c1', 'Alex', 2, false));
    r = append(r, msg('m3', 3));
    expect(unreadFor(r, 'Alex').map((m) => m.id)).toEqual(['m3']);
    expect(unreadFor(markRead(r, 'Alex', [3, 'm3']), 'Alex')).toEqual([]);
  });

  it('forgets tombstones after the TTL and keeps present members', () => {
    let r = putMember(emptyRoom(), entry('c1', 'Alex', 1, true, 'n1', 0));
    r = putMember(r, entry('c2', 'Bob', 2, false, 'n1', 0));
    expect(expireTombstones(r, 10)).toBe(0);
    expect(expireTombstones(r, TOMBSTONE_TTL_MS + 1)).toBe(1);
    expect(Object.keys(r.members)).toEqual(['c1']);
  });

  it('recognises well-formed replicas only', () => {
    expect(isRoomState(join(append(emptyRoom(), msg('m1', 1)), entry('c1', 'Alex', 1)))).toBe(true);
    expect(isRoomState({ members: { c1: { conn: 'c1' } }, history: [], readUpTo: {} })).toBe(false);
    expect(isRoomState({ members: {}, history: [{ id: 1 }], readUpTo: {} })).toBe(false);
    expect(isRoomState(null)).toBe(false);
  });

  it('evicts connections at the version the replica holds and lists fan-out targets by node', () => {
    const r = putMember(putMember(putMember(emptyRoom(), entry('c1', 'Alex', 3)), entry('c2', 'Bob', 1, true, 'n2')), entry('c3', 'Cy', 2, true, 'n2'));
    expect(targetsOf(r)).toEqual({ n1: ['c1'], n2: ['c2', 'c3'] });
    expect(evictConns(r, ['c2', 'nobody'], 5).map((m) => m.conn)).toEqual(['c2']);
    expect(r.members['c2']).toMatchObject({ v: 1, present: false });
    expect(targetsOf(r)).toEqual({ n1: ['c1'], n2: ['c3'] });
  });
});
