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
 *   message of the replica; `show-unread` moves it too. Marks merge by max.
 *
 * The operations (`putMember`, `join`, `append`, `markRead`, `evictNode`) update a replica in place
 * and cost O(1) in the room's size (O(history) at most), because a vnode applies them to rooms with
 * thousands of members; `mergeRooms` builds a new replica and leaves its inputs alone.
 */

export const HISTORY_LENGTH = 20;
/** how long a left member's tombstone is kept */
export const TOMBSTONE_TTL_MS = 10 * 1000;
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
}

export const emptyRoom = (): RoomState => ({ members: {}, history: [], readUpTo: {} });

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
  const readUpTo: Record<string, MessageKey> = { ...a.readUpTo };
  for (const [name, key] of Object.entries(b.readUpTo)) readUpTo[name] = maxKey(readUpTo[name], key);
  return { members, history: mergeHistory(a.history, b.history), readUpTo };
}

/** Write one connection's entry (join, rename, leave, eviction); a member leaving has read everything so far. */
export function putMember(room: RoomState, entry: MemberEntry): RoomState {
  const before = room.members[entry.conn];
  const after = newerEntry(before, entry);
  if (after === before) return room;
  room.members[entry.conn] = after;
  if (before?.present && !after.present) markLatestRead(room, before.name);
  return room;
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
  return room;
}

export function markRead(room: RoomState, name: string, upTo: MessageKey): RoomState {
  room.readUpTo[name] = maxKey(room.readUpTo[name], upTo);
  return room;
}

function markLatestRead(room: RoomState, name: string): void {
  const last = room.history[room.history.length - 1];
  if (last) markRead(room, name, keyOf(last));
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

/** The messages not yet delivered to `name`: none while it has a present member, else those after its mark (all for a name never seen). */
export function unreadFor(room: RoomState, name: string): StoredMessage[] {
  if (presentMembers(room).some((m) => m.name === name)) return [];
  const mark = room.readUpTo[name];
  return mark ? room.history.filter((m) => compareKeys(keyOf(m), mark) > 0) : [...room.history];
}

/** True when the room holds nothing worth keeping (no members, no tombstones, no history). */
export function isEmptyRoom(room: RoomState): boolean {
  return room.history.length === 0 && Object.keys(room.members).length === 0;
}

/** A deep copy (a vnode answers with snapshots of the replicas it keeps updating). */
export function copyRoom(room: RoomState): RoomState {
  return { members: { ...room.members }, history: [...room.history], readUpTo: { ...room.readUpTo } };
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
  return JSON.stringify([members, room.history.map((m) => m.id), read]);
}

/** Checks a value received from another node (handoff, repair) before it is merged. */
export function isRoomState(x: unknown): x is RoomState {
  if (!x || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  if (!r['members'] || typeof r['members'] !== 'object' || !Array.isArray(r['history']) || !r['readUpTo'] || typeof r['readUpTo'] !== 'object') return false;
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
