/**
 * The contract between the chat protocol and the rooms: membership, recent history, unread
 * tracking, delivery of room events to connections, and expiry: a room with no member and no
 * activity for a configured time (`roomTtlMs`) is deleted with its history and read marks.
 *
 * Two implementations: `RingRoomDirectory` (ring-room-directory.ts), which a chat node runs, places
 * rooms by the ring key `("chat", room)` on chat vnodes with N=3, moves membership and history with
 * handoff and fans events out to the nodes the members are connected to; `LocalRoomDirectory`
 * (local-room-directory.ts) keeps every room in this process and is the single-node reference and
 * test double. Every method is therefore asynchronous, and callers must not assume a room lives in
 * this process.
 */

/** The connection a member speaks through: unique within its node. */
export type ConnectionId = string;

/** A member of a room: the person's name and where they are connected. */
export interface Member {
  readonly name: string;
  readonly connection: ConnectionId;
  /** the chat node that holds the connection (`name@host`) */
  readonly node: string;
}

/** A line of room history. */
export interface RoomMessage {
  readonly from: string;
  readonly text: string;
}

/** What a connection receives because of someone's action in a room it is a member of. */
export type RoomEvent =
  | { readonly kind: 'message'; readonly room: string; readonly from: string; readonly text: string }
  | { readonly kind: 'joined'; readonly room: string; readonly name: string }
  | { readonly kind: 'left'; readonly room: string; readonly name: string };

/** Receives the events for one connection, in the order the room produced them. */
export type Deliver = (event: RoomEvent) => void;

export type JoinResult =
  /** now a member; `history` is the room's last messages (up to 20), oldest first */
  | { readonly kind: 'joined'; readonly history: readonly RoomMessage[] }
  /** this connection already was a member: nothing is announced */
  | { readonly kind: 'already-member' };

export type LeaveResult = { readonly kind: 'left' } | { readonly kind: 'not-a-member' };

export type SayResult =
  /** appended and delivered to the members */
  | { readonly kind: 'said' }
  /** there is no such room (none was ever joined, or it expired): nothing is stored or created */
  | { readonly kind: 'no-such-room' };

export interface RoomDirectory {
  /**
   * Called when a connection opens, before any other call for it: `deliver` receives every event
   * of the rooms it joins. Delivery may happen during any call (the caller's included); a caller
   * that must write its own reply first holds the events until it has.
   */
  attach(connection: ConnectionId, deliver: Deliver): void;
  /** Called when a connection closes: it leaves every room (the others get `left`) and gets no more events. */
  detach(connection: ConnectionId): Promise<void>;
  /** Join; on `joined` every member, the joiner included, gets a `joined` event. */
  join(room: string, member: Member): Promise<JoinResult>;
  /**
   * Append to the room's history and deliver a `message` to every member, each connection once;
   * the sender need not be a member. A delivered message counts as read for that member's name.
   * A room exists while it has a present member or history; `say` never creates one.
   */
  say(room: string, from: string, text: string): Promise<SayResult>;
  /** Leave; on `left` the remaining members get a `left` event. */
  leave(room: string, member: Member): Promise<LeaveResult>;
  /** The distinct names of the members, sorted (none for a room that does not exist; it is not created). */
  who(room: string): Promise<string[]>;
  /** The names of the live rooms (present members or history, not expired), sorted. */
  rooms(): Promise<string[]>;
  /**
   * The messages in the room's history not yet delivered to this name; they count as read from now
   * on. A name that was never a member of the room (it has no read mark there) missed nothing, and
   * asking creates neither a mark nor the room.
   */
  unread(room: string, member: Member): Promise<RoomMessage[]>;
  /** A connection changed its name: it stays in its rooms under the new name. */
  rename(connection: ConnectionId, name: string): Promise<void>;
}

/** Too few replicas of a room answered (or the room list could not be covered): the client gets a one-line reason. */
export class RoomUnavailableError extends Error {
  constructor(
    readonly room: string,
    readonly reason: string,
  ) {
    super(`${room} is unavailable right now (${reason})`);
    this.name = 'RoomUnavailableError';
  }
}
