/**
 * The single-node `RoomDirectory`: every room lives in this process. Owns membership, the last
 * HISTORY_LENGTH messages of each room and, per room, which message each name has last been
 * delivered (SPEC §7: a message counts as read once delivered to a connected member).
 * The reference implementation and test double of the contract; the ring-backed directory
 * replaces it when rooms move onto chat vnodes.
 */
import { ConnectionId, Deliver, JoinResult, LeaveResult, Member, RoomDirectory, RoomEvent, RoomMessage } from './room-directory';

import { HISTORY_LENGTH } from './room-state';

interface StoredMessage extends RoomMessage {
  readonly seq: number;
}

interface Room {
  /** by connection: one membership per connection */
  readonly members: Map<ConnectionId, Member>;
  history: StoredMessage[];
  nextSeq: number;
  /** name → seq of the last message delivered to that name */
  readonly readUpTo: Map<string, number>;
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

export class LocalRoomDirectory implements RoomDirectory {
  private readonly rooms_ = new Map<string, Room>();
  private readonly connections = new Map<ConnectionId, Deliver>();

  attach(connection: ConnectionId, deliver: Deliver): void {
    this.connections.set(connection, deliver);
  }

  async detach(connection: ConnectionId): Promise<void> {
    for (const [name, room] of this.rooms_) {
      const member = room.members.get(connection);
      if (member) await this.leave(name, member);
    }
    this.connections.delete(connection);
  }

  async join(roomName: string, member: Member): Promise<JoinResult> {
    const room = this.room(roomName);
    if (room.members.has(member.connection)) return { kind: 'already-member' };
    room.members.set(member.connection, member);
    const last = room.history[room.history.length - 1];
    if (last) room.readUpTo.set(member.name, last.seq);
    const history = room.history.map(({ from, text }) => ({ from, text }));
    this.broadcast(room, { kind: 'joined', room: roomName, name: member.name });
    return { kind: 'joined', history };
  }

  async say(roomName: string, from: string, text: string): Promise<void> {
    const room = this.room(roomName);
    const seq = room.nextSeq++;
    room.history.push({ seq, from, text });
    if (room.history.length > HISTORY_LENGTH) room.history.splice(0, room.history.length - HISTORY_LENGTH);
    for (const m of this.broadcast(room, { kind: 'message', room: roomName, from, text })) room.readUpTo.set(m.name, seq);
  }

  async leave(roomName: string, member: Member): Promise<LeaveResult> {
    const room = this.rooms_.get(roomName);
    const current = room?.members.get(member.connection);
    if (!room || !current) return { kind: 'not-a-member' };
    room.members.delete(member.connection);
    this.broadcast(room, { kind: 'left', room: roomName, name: current.name });
    return { kind: 'left' };
  }

  async who(roomName: string): Promise<string[]> {
    return sorted([...(this.rooms_.get(roomName)?.members.values() ?? [])].map((m) => m.name));
  }

  async rooms(): Promise<string[]> {
    return sorted(this.rooms_.keys());
  }

  async unread(roomName: string, member: Member): Promise<RoomMessage[]> {
    const room = this.rooms_.get(roomName);
    if (!room) return [];
    const after = room.readUpTo.get(member.name) ?? -1;
    const missed = room.history.filter((m) => m.seq > after).map(({ from, text }) => ({ from, text }));
    const last = room.history[room.history.length - 1];
    if (last) room.readUpTo.set(member.name, last.seq);
    return missed;
  }

  async rename(connection: ConnectionId, name: string): Promise<void> {
    for (const room of this.rooms_.values()) {
      const member = room.members.get(connection);
      if (member) room.members.set(connection, { ...member, name });
    }
  }

  private room(name: string): Room {
    let room = this.rooms_.get(name);
    if (!room) {
      room = { members: new Map(), history: [], nextSeq: 0, readUpTo: new Map() };
      this.rooms_.set(name, room);
    }
    return room;
  }

  /** Deliver to each member connection once; returns the members reached. */
  private broadcast(room: Room, event: RoomEvent): Member[] {
    const reached: Member[] = [];
    for (const member of room.members.values()) {
      const deliver = this.connections.get(member.connection);
      if (!deliver) continue;
      deliver(event);
      reached.push(member);
    }
    return reached;
  }
}
