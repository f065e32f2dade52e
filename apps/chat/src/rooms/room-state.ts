/**
 * One replica of a room, as a state-based CRDT (pure: no clock, no I/O; times are passed in).
 * Replicas on the N chat vnodes of the room's preference list take the same operations in any
 * order, lose some, and are brought together by `mergeRooms` (handoff, read repair); merge is
 * commutative, associative and idempotent (property-tested in room-state.spec.ts).
 *
 * - Membership: one register per connection (`MemberEntry`, keyed by a cluster-unique connection id).
 *   Only the node holding the connection writes it, with increasing versions (join, rename, leave),
 *   so a higher version is always the newer fact and concurrent joins and leaves of different
 *   connections merge. The one write from elsewhere — a dead node's members evicted, or a connection
 *   its node reported gone — is `evicted(entry)`: the same version, absent (at equal versions absence
 *   wins). So the eviction beats every copy of what it evicted, and a node that was only thought dead
 *   re-asserts its members with newer versions (`resync`). A left member is kept as a tombstone for `TOMBSTONE_TTL_MS` so a lagging replica
 *   cannot bring it back; after that it is forgotten (and a stale copy that still resurfaces is
 *   caught at delivery: its node answers that the connection is gone, and it is evicted).
 * - History: messages keyed by a cluster-unique id, ordered by (time, id), the newest
 *   `HISTORY_LENGTH` kept: a message that several coordinators or handoffs deliver twice is stored once.
 * - Read marks: a message counts as read once delivered to a connected member, and a present member
 *   is delivered everything (its join showed the history before). So a name with a present member
 *   has nothing unread; when a member leaves (or is evicted), its name's mark moves to the newest
 *   message of the replica said before it left (or before the first); `show-unread` moves an
 *   existing mark, never creates one. A name without a mark was never a member here: it missed
 *   nothing. Marks merge by max, and a room keeps the newest `MAX_READ_MARKS` (a projection that
 *   commutes with merge, so capped replicas still converge).
 * - Expiry: `activeAt` is the newest write the replica has seen (a join, leave, eviction or message,
 *   by its writer's clock), merged by max. A room with no present member whose `activeAt` is older
 *   than the TTL is expired (`isExpired`): every replica drops it by this same rule and its own clock.
 *   The rule reads only the replica's content, so a stale copy that arrives later (handoff, read
 *   repair) carries its old `activeAt` and is expired on arrival too, instead of resurrecting the room.
 *
 * The operations (`putMember`, `join`, `append`, `markRead`, `evictNode`) update a replica in place
 * and cost O(1) in the room's size (O(history) at most), because a vnode applies them to rooms with
 * thousands of members; `mergeRooms` builds a new replica and leaves its inputs alone.
 */

export const HISTORY_LENGTH = 20;
/** how long a left member's tombstone is kept */
export const TOMBSTONE_TTL_MS = 10 * 1000;
/** read marks a room keeps (the newest); a name whose mark was dropped has nothing unread */
export const MAX_READ_MARKS = 1000;
/** the mark of a name that left a room without history: before every message */
export const BEFORE_ALL: MessageKey = [0, ''];
/** A member removed by another node (its node died, or its connection is gone): the same version, absent. */
export const evicted = (m: MemberEntry, now: number): MemberEntry => ({ ...m, present: false, at: now });

export interface MemberEntry {
  /** cluster-unique connection id: `<holding node's boot id>.<its local connection id>` */
  readonly conn: string;
  /** the chat node holding the connection */
  readonly node: string;
  readonly name: string;
  /** increases with every write of this entry by its node (an eviction keeps the version it evicts) */
  readonly v: number;
  readonly present: boolean;
  /** when it was written (ms, the writer's clock): tombstones expire by it */
  readonly at: number;
}

/** A position in a room's history: (time, id), compared in that order. */
export type MessageKey = readonly [number, string];

export interface StoredMessage {
  readonly id: string;
  /** when it was said (µs, the coordinator's clock) */
  readonly at: number;
  readonly from: string;
  readonly text: string;
}

export interface RoomState {
  readonly members: Record<string, MemberEntry>;
  /** oldest first, at most HISTORY_LENGTH */
  history: StoredMessage[];
  readonly readUpTo: Record<string, MessageKey>;
  /** the newest write seen (ms, its writer's clock; 0 for none): the room expires by it */
  activeAt: number;
}

export const emptyRoom = (): RoomState => ({ members: {}, history: [], readUpTo: {}, activeAt: 0 });

export function compareKeys(a: MessageKey, b: MessageKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export const keyOf = (m: StoredMessage): MessageKey => [m.at, m.id];

const maxKey = (a: MessageKey | undefined, b: MessageKey): MessageKey => (!a || compareKeys(b, a) > 0 ? b : a);

/** The newer of two writes of one connection's entry; equal versions prefer absence, then the larger write, so the choice does not depend on order. */
export function newerEntry(a: MemberEntry | undefined, b: MemberEntry): MemberEntry {
  if (!a) return b;
  if (a.v !== b.v) return a.v > b.v ? a : b;
  if (a.present !== b.present) return a.present ? b : a;
  return JSON.stringify(a) >= JSON.stringify(b) ? a : b;
}

function mergeHistory(a: readonly StoredMessage[], b: readonly StoredMessage[]): StoredMessage[] {
  const byId = new Map<string, StoredMessage>();
  for (const m of [...a, ...b]) if (!byId.has(m.id)) byId.set(m.id, m);
  const all = [...byId.values()].sort((x, y) => compareKeys(keyOf(x), keyOf(y)));
  return all.slice(Math.max(0, all.length - HISTORY_LENGTH));
}

export function mergeRooms(a: RoomState, b: RoomState): RoomState {
  const members: Record<string, MemberEntry> = { ...a.members };
  for (const [conn, entry] of Object.entries(b.members)) members[conn] = newerEntry(members[conn], entry);
  return { members, history: mergeHistory(a.history, b.history), readUpTo: mergeReadMarks(a.readUpTo, b.readUpTo), activeAt: Math.max(a.activeAt, b.activeAt) };
}

/** Marks merge by max per name, then the newest `max` are kept. */
export function mergeReadMarks(a: Record<string, MessageKey>, b: Record<string, MessageKey>, max = MAX_READ_MARKS): Record<string, MessageKey> {
  const marks: Record<string, MessageKey> = { ...a };
  for (const [name, key] of Object.entries(b)) marks[name] = maxKey(marks[name], key);
  return capReadMarks(marks, max);
}

/** (key, name) order of marks: the ones a capped room drops first are the smallest. */
const compareMarks = (a: readonly [string, MessageKey], b: readonly [string, MessageKey]): number => compareKeys(a[1], b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Keep the `max` greatest marks by (key, name). Marks only grow under merge, so a mark dropped from
 * a part is below `max` others in the whole too: capping before or after a merge gives the same
 * replica (property-tested), and merge stays a CRDT.
 */
export function capReadMarks(marks: Record<string, MessageKey>, max = MAX_READ_MARKS): Record<string, MessageKey> {
  const entries = Object.entries(marks);
  if (entries.length <= max) return marks;
  return Object.fromEntries(entries.sort(compareMarks).slice(entries.length - max));
}

/** Write one connection's entry (join, rename, leave, eviction); a member leaving has read everything so far. */
export function putMember(room: RoomState, entry: MemberEntry): RoomState {
  const before = room.members[entry.conn];
  const after = newerEntry(before, entry);
  if (after === before) return room;
  room.members[entry.conn] = after;
  touch(room, after.at);
  if (before?.present && !after.present) markLeft(room, before.name, after.at);
  return room;
}

function touch(room: RoomState, at: number): void {
  if (at > room.activeAt) room.activeAt = at;
}

/** Join: the member's entry (the history is shown on join, and everything after it is delivered). */
export function join(room: RoomState, entry: MemberEntry): RoomState {
  return putMember(room, entry);
}

/** Append a message (once; the newest HISTORY_LENGTH are kept). */
export function append(room: RoomState, message: StoredMessage): RoomState {
  const h = room.history;
  if (h.some((m) => m.id === message.id)) return room;
  const key = keyOf(message);
  let i = h.length;
  while (i > 0 && compareKeys(keyOf(h[i - 1]), key) > 0) i--;
  h.splice(i, 0, message);
  if (h.length > HISTORY_LENGTH) h.splice(0, h.length - HISTORY_LENGTH);
  touch(room, Math.floor(message.at / 1000));
  return room;
}

/** Set (or move forward) a name's mark; at the cap the smallest mark is dropped (possibly this one). */
export function markRead(room: RoomState, name: string, upTo: MessageKey): RoomState {
  const had = name in room.readUpTo;
  room.readUpTo[name] = maxKey(room.readUpTo[name], upTo);
  if (!had && Object.keys(room.readUpTo).length > MAX_READ_MARKS) {
    let smallest: [string, MessageKey] | undefined;
    for (const mark of Object.entries(room.readUpTo)) if (!smallest || compareMarks(mark, smallest) < 0) smallest = mark;
    if (smallest) delete room.readUpTo[smallest[0]];
  }
  return room;
}

/**
 * A member left (or was evicted) at `leftAt` (ms): it has read the replica's newest message, but
 * nothing said after it left — a replica that applies the leave late, after newer messages, must
 * not mark those read (its mark would win the max).
 */
function markLeft(room: RoomState, name: string, leftAt: number): void {
  const last = room.history[room.history.length - 1];
  const newest = last ? keyOf(last) : BEFORE_ALL;
  const left: MessageKey = [leftAt * 1000, ''];
  markRead(room, name, compareKeys(newest, left) < 0 ? newest : left);
}

/** Evict every present member held by `node` (it died); returns the entries evicted. */
export function evictNode(room: RoomState, node: string, now: number): MemberEntry[] {
  const gone = presentMembers(room).filter((m) => m.node === node);
  for (const m of gone) putMember(room, evicted(m, now));
  return gone;
}

/** Evict these connections at the versions this replica holds; returns the entries evicted. */
export function evictConns(room: RoomState, conns: readonly string[], now: number): MemberEntry[] {
  const gone: MemberEntry[] = [];
  for (const conn of conns) {
    const m = room.members[conn];
    if (!m?.present) continue;
    putMember(room, evicted(m, now));
    gone.push(m);
  }
  return gone;
}

/** The present members' connection ids, by node (what a fan-out needs). */
export function targetsOf(room: RoomState): Record<string, string[]> {
  const targets: Record<string, string[]> = {};
  for (const m of Object.values(room.members)) if (m.present) (targets[m.node] ??= []).push(m.conn);
  return targets;
}

/** Forget tombstones older than the TTL; returns how many were forgotten. */
export function expireTombstones(room: RoomState, now: number): number {
  let expired = 0;
  for (const [conn, m] of Object.entries(room.members)) {
    if (!m.present && now - m.at > TOMBSTONE_TTL_MS) {
      delete room.members[conn];
      expired++;
    }
  }
  return expired;
}

export function presentMembers(room: RoomState): MemberEntry[] {
  return Object.values(room.members).filter((m) => m.present);
}

export function hasPresentMember(room: RoomState): boolean {
  for (const conn in room.members) if (room.members[conn].present) return true;
  return false;
}

/**
 * The messages not yet delivered to `name`: none while it has a present member, else those after
 * its mark; none for a name without a mark (never a member here, so it missed nothing).
 */
export function unreadFor(room: RoomState, name: string): StoredMessage[] {
  const mark = room.readUpTo[name];
  if (!mark || presentMembers(room).some((m) => m.name === name)) return [];
  return room.history.filter((m) => compareKeys(keyOf(m), mark) > 0);
}

/** True when the room holds nothing worth keeping (no members, no tombstones, no history). */
export function isEmptyRoom(room: RoomState): boolean {
  return room.history.length === 0 && Object.keys(room.members).length === 0;
}

/** A room exists for its users while it has a present member or history (`say` reaches it, `rooms` lists it). */
export function isLiveRoom(room: RoomState): boolean {
  return room.history.length > 0 || hasPresentMember(room);
}

/** Nothing written for longer than the TTL (by the reader's clock `now`). */
export function isIdle(room: RoomState, now: number, ttlMs: number): boolean {
  return now - room.activeAt > ttlMs;
}

/** Idle and without a present member: every replica drops it (history and read marks with it). */
export function isExpired(room: RoomState, now: number, ttlMs: number): boolean {
  return isIdle(room, now, ttlMs) && !hasPresentMember(room);
}

/** A deep copy (a vnode answers with snapshots of the replicas it keeps updating). */
export function copyRoom(room: RoomState): RoomState {
  return { members: { ...room.members }, history: [...room.history], readUpTo: { ...room.readUpTo }, activeAt: room.activeAt };
}

/** A canonical fingerprint: equal for replicas holding the same state (read repair compares them). */
export function fingerprint(room: RoomState): string {
  const members = Object.keys(room.members)
    .sort()
    .map((c) => {
      const m = room.members[c];
      return `${c}:${m.v}:${m.present ? 1 : 0}:${m.name}`;
    });
  const read = Object.keys(room.readUpTo)
    .sort()
    .map((n) => `${n}:${room.readUpTo[n][0]}:${room.readUpTo[n][1]}`);
  return JSON.stringify([members, room.history.map((m) => m.id), read, room.activeAt]);
}

/** Checks a value received from another node (handoff, repair) before it is merged. */
export function isRoomState(x: unknown): x is RoomState {
  if (!x || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  if (!r['members'] || typeof r['members'] !== 'object' || !Array.isArray(r['history']) || !r['readUpTo'] || typeof r['readUpTo'] !== 'object') return false;
  if (typeof r['activeAt'] !== 'number' || !Number.isFinite(r['activeAt'])) return false;
  for (const m of Object.values(r['members'] as Record<string, unknown>)) if (!isMemberEntry(m)) return false;
  for (const m of r['history'] as unknown[]) if (!isStoredMessage(m)) return false;
  for (const k of Object.values(r['readUpTo'] as Record<string, unknown>)) if (!isMessageKey(k)) return false;
  return true;
}

export function isMemberEntry(x: unknown): x is MemberEntry {
  if (!x || typeof x !== 'object') return false;
  const m = x as Record<string, unknown>;
  return (
    typeof m['conn'] === 'string' &&
    typeof m['node'] === 'string' &&
    typeof m['name'] === 'string' &&
    typeof m['v'] === 'number' &&
    typeof m['present'] === 'boolean' &&
    typeof m['at'] === 'number'
  );
}

export function isStoredMessage(x: unknown): x is StoredMessage {
  if (!x || typeof x !== 'object') return false;
  const m = x as Record<string, unknown>;
  return typeof m['id'] === 'string' && typeof m['at'] === 'number' && typeof m['from'] === 'string' && typeof m['text'] === 'string';
}

export function isMessageKey(x: unknown): x is MessageKey {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && typeof x[1] === 'string';
}
