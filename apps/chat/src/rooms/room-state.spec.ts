import fc from 'fast-check';
import {
  BEFORE_ALL,
  HISTORY_LENGTH,
  MAX_READ_MARKS,
  MemberEntry,
  MessageKey,
  RoomState,
  StoredMessage,
  TOMBSTONE_TTL_MS,
  append,
  emptyRoom,
  evictConns,
  evictNode,
  copyRoom,
  expireTombstones,
  fingerprint,
  isExpired,
  isIdle,
  isLiveRoom,
  isRoomState,
  join,
  markRead,
  mergeReadMarks,
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
        // (read marks are left out: a leaver's mark is written by the replicas that saw it present, and merges by max)
        const withoutMarks = (r: RoomState): RoomState => ({ ...r, readUpTo: {} });
        same(withoutMarks(mergeRooms(r1, r2)), withoutMarks(ops.reduce(apply, emptyRoom())));
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

  it('tracks unread per name: a present member has read everything; a leaver has read up to the newest message; a name never here missed nothing', () => {
    let r = append(emptyRoom(), msg('m1', 1));
    r = join(r, entry('c1', 'Alex', 1));
    r = append(r, msg('m2', 2));
    expect(unreadFor(r, 'Alex')).toEqual([]);
    expect(unreadFor(r, 'Bob')).toEqual([]);
    r = putMember(r, entry('c1', 'Alex', 2, false, 'n1', 1));
    r = append(r, msg('m3', 3));
    expect(unreadFor(r, 'Alex').map((m) => m.id)).toEqual(['m3']);
    expect(unreadFor(markRead(r, 'Alex', [3, 'm3']), 'Alex')).toEqual([]);
    expect(Object.keys(r.readUpTo)).toEqual(['Alex']);
  });

  it('a replica that applies a leave after a later message does not mark that message read', () => {
    const r = join(append(emptyRoom(), msg('before', 1_000)), entry('c1', 'Alex', 1));
    append(r, msg('after', 3_000));
    putMember(r, entry('c1', 'Alex', 2, false, 'n1', 2));
    expect(r.readUpTo['Alex']).toEqual([2_000, '']);
    expect(unreadFor(r, 'Alex').map((m) => m.id)).toEqual(['after']);
  });

  it('a member who leaves a room without history has read nothing of what comes after', () => {
    let r = join(emptyRoom(), entry('c1', 'Alex', 1));
    r = putMember(r, entry('c1', 'Alex', 2, false));
    expect(r.readUpTo['Alex']).toEqual(BEFORE_ALL);
    r = append(r, msg('m1', 1));
    expect(unreadFor(r, 'Alex').map((m) => m.id)).toEqual(['m1']);
  });

  it(`keeps the newest ${MAX_READ_MARKS} read marks: at the cap the smallest (key, name) goes`, () => {
    const r = append(emptyRoom(), msg('m1', 1));
    for (let i = 0; i < MAX_READ_MARKS; i++) markRead(r, `n${String(i).padStart(4, '0')}`, [1, 'm1']);
    markRead(r, 'late', [5, 'm5']);
    expect(Object.keys(r.readUpTo)).toHaveLength(MAX_READ_MARKS);
    expect(r.readUpTo['late']).toEqual([5, 'm5']);
    expect(r.readUpTo['n0000']).toBeUndefined();
    expect(r.readUpTo['n0001']).toEqual([1, 'm1']);
    // moving an existing mark never drops another
    markRead(r, 'n0001', [6, 'm6']);
    expect(Object.keys(r.readUpTo)).toHaveLength(MAX_READ_MARKS);
  });

  it('capped mark merge is a CRDT and equals capping the uncapped merge (small cap)', () => {
    const marksArb = fc.dictionary(
      fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('m1', 'm2')).map((k): MessageKey => k),
    );
    const cap = 3;
    fc.assert(
      fc.property(marksArb, marksArb, marksArb, (a, b, c) => {
        const m = (x: Record<string, MessageKey>, y: Record<string, MessageKey>) => mergeReadMarks(x, y, cap);
        expect(m(a, b)).toEqual(m(b, a));
        expect(m(m(a, b), c)).toEqual(m(a, m(b, c)));
        expect(m(m(a, b), m(a, b))).toEqual(m(a, b));
        // capping the parts first loses nothing the whole would keep
        expect(m(m(a, {}), m(b, {}))).toEqual(m(a, b));
        expect(Object.keys(m(a, b)).length).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 1000 },
    );
  });

  describe('expiry', () => {
    const TTL = 1000;

    it('activeAt is the newest write: joins, leaves, evictions and messages (µs) move it; merge takes the max', () => {
      const r = join(emptyRoom(), entry('c1', 'Alex', 1, true, 'n1', 100));
      expect(r.activeAt).toBe(100);
      append(r, msg('m1', 250_000));
      expect(r.activeAt).toBe(250);
      putMember(r, entry('c1', 'Alex', 2, false, 'n1', 300));
      expect(r.activeAt).toBe(300);
      // a stale write changes nothing, so it does not count as activity
      putMember(r, entry('c1', 'Alex', 1, true, 'n1', 900));
      expect(r.activeAt).toBe(300);
      const other = join(emptyRoom(), entry('c2', 'Bob', 1, true, 'n2', 700));
      evictNode(other, 'n2', 800);
      expect(other.activeAt).toBe(800);
      expect(mergeRooms(r, other).activeAt).toBe(800);
    });

    it('a room with a present member never expires; without one it expires once idle past the TTL', () => {
      const r = join(append(emptyRoom(), msg('m1', 0)), entry('c1', 'Alex', 1, true, 'n1', 0));
      expect(isIdle(r, TTL + 1, TTL)).toBe(true);
      expect(isExpired(r, 10 * TTL, TTL)).toBe(false);
      putMember(r, entry('c1', 'Alex', 2, false, 'n1', 50));
      expect(isExpired(r, 50 + TTL, TTL)).toBe(false);
      expect(isExpired(r, 51 + TTL, TTL)).toBe(true);
      expect(isLiveRoom(r)).toBe(true);
    });

    it('a stale copy merged into a fresh replica keeps it fresh; merged into nothing it is expired by its own age', () => {
      const stale = append(emptyRoom(), msg('old', 1_000));
      markRead(stale, 'Alex', [1_000, 'old']);
      const now = 5 * TTL;
      expect(isExpired(mergeRooms(emptyRoom(), stale), now, TTL)).toBe(true);
      const fresh = join(emptyRoom(), entry('c1', 'Bob', 1, true, 'n1', now));
      expect(isExpired(mergeRooms(fresh, stale), now, TTL)).toBe(false);
    });

    it('is carried by copies and checked on arrival', () => {
      const r = append(emptyRoom(), msg('m1', 2_000_000));
      expect(isRoomState(copyRoom(r))).toBe(true);
      expect(copyRoom(r).activeAt).toBe(2000);
      expect(isRoomState({ ...copyRoom(r), activeAt: 'soon' })).toBe(false);
      expect(isRoomState({ members: {}, history: [], readUpTo: {} })).toBe(false);
    });
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
    expect(isRoomState({ members: { c1: { conn: 'c1' } }, history: [], readUpTo: {}, activeAt: 0 })).toBe(false);
    expect(isRoomState({ members: {}, history: [{ id: 1 }], readUpTo: {}, activeAt: 0 })).toBe(false);
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
