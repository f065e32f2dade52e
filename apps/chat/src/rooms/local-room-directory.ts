/**
 * The single-node `RoomDirectory`: every room lives in this process. Owns membership, the last
 * HISTORY_LENGTH messages of each room and, per room, which message each name that left has last
 * been delivered (a message counts as read once delivered to a connected member, and a present
 * member is delivered everything). A room exists while it has members or history; one without
 * members and without activity for `roomTtlMs` is forgotten with its history and marks.
 * The reference implementation and test double of the contract; `RingRoomDirectory` keeps rooms on
 * chat vnodes by the same rules.
 */
import { ChatRoomsOptions, chatRoomsOptions } from './chat-store';
import { ConnectionId, Deliver, JoinResult, LeaveResult, Member, RoomDirectory, RoomEvent, RoomMessage, SayResult } from './room-directory';
import { HISTORY_LENGTH } from './room-state';

interface StoredMessage extends RoomMessage {
  readonly seq: number;
}

interface Room {
  /** by connection: one membership per connection */
  readonly members: Map<ConnectionId, Member>;
  history: StoredMessage[];
  nextSeq: number;
  /** name → seq of the last message delivered to that name before it left (-1: before all) */
  readonly readUpTo: Map<string, number>;
  /** when it was last joined, left or said to (ms) */
  activeAt: number;
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

export class LocalRoomDirectory implements RoomDirectory {
  private readonly rooms_ = new Map<string, Room>();
  private readonly connections = new Map<ConnectionId, Deliver>();
  private readonly options: ChatRoomsOptions;

  constructor(options: Partial<ChatRoomsOptions> = {}) {
    this.options = chatRoomsOptions(options);
  }

  attach(connection: ConnectionId, deliver: Deliver): void {
    this.connections.set(connection, deliver);
  }

  async detach(connection: ConnectionId): Promise<void> {
    for (const [name, room] of [...this.rooms_]) {
      const member = room.members.get(connection);
      if (member) await this.leave(name, member);
    }
    this.connections.delete(connection);
  }

  async join(roomName: string, member: Member): Promise<JoinResult> {
    let room = this.live(roomName);
    if (!room) {
      room = { members: new Map(), history: [], nextSeq: 0, readUpTo: new Map(), activeAt: 0 };
      this.rooms_.set(roomName, room);
    }
    if (room.members.has(member.connection)) return { kind: 'already-member' };
    room.members.set(member.connection, member);
    room.activeAt = this.options.now();
    const history = room.history.map(({ from, text }) => ({ from, text }));
    this.broadcast(room, { kind: 'joined', room: roomName, name: member.name });
    return { kind: 'joined', history };
  }

  async say(roomName: string, from: string, text: string): Promise<SayResult> {
    const room = this.live(roomName);
    if (!room) return { kind: 'no-such-room' };
    const seq = room.nextSeq++;
    room.history.push({ seq, from, text });
    if (room.history.length > HISTORY_LENGTH) room.history.splice(0, room.history.length - HISTORY_LENGTH);
    room.activeAt = this.options.now();
    this.broadcast(room, { kind: 'message', room: roomName, from, text });
    return { kind: 'said' };
  }

  async leave(roomName: string, member: Member): Promise<LeaveResult> {
    const room = this.live(roomName);
    const current = room?.members.get(member.connection);
    if (!room || !current) return { kind: 'not-a-member' };
    room.members.delete(member.connection);
    room.readUpTo.set(current.name, room.history[room.history.length - 1]?.seq ?? -1);
    room.activeAt = this.options.now();
    if (room.members.size === 0 && room.history.length === 0) this.rooms_.delete(roomName);
    this.broadcast(room, { kind: 'left', room: roomName, name: current.name });
    return { kind: 'left' };
  }

  async who(roomName: string): Promise<string[]> {
    return sorted([...(this.live(roomName)?.members.values() ?? [])].map((m) => m.name));
  }

  async rooms(): Promise<string[]> {
    return sorted([...this.rooms_.keys()].filter((name) => this.live(name)));
  }

  async unread(roomName: string, member: Member): Promise<RoomMessage[]> {
    const room = this.live(roomName);
    const mark = room?.readUpTo.get(member.name);
    if (!room || mark === undefined || [...room.members.values()].some((m) => m.name === member.name)) return [];
    const missed = room.history.filter((m) => m.seq > mark);
    if (missed.length > 0) room.readUpTo.set(member.name, missed[missed.length - 1].seq);
    return missed.map(({ from, text }) => ({ from, text }));
  }

  async rename(connection: ConnectionId, name: string): Promise<void> {
    for (const room of this.rooms_.values()) {
      const member = room.members.get(connection);
      if (member) room.members.set(connection, { ...member, name });
    }
  }

  /** The room if it exists: it has members or history and has not expired (an expired one is forgotten). */
  private live(name: string): Room | undefined {
    const room = this.rooms_.get(name);
    if (!room) return undefined;
    if (room.members.size > 0) return room;
    if (room.history.length > 0 && this.options.now() - room.activeAt <= this.options.roomTtlMs) return room;
    this.rooms_.delete(name);
    return undefined;
  }

  /** Deliver to each member connection once. */
  private broadcast(room: Room, event: RoomEvent): void {
    for (const member of room.members.values()) this.connections.get(member.connection)?.(event);
  }
}
