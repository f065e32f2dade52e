/**
 * The rooms of a chat cluster on the ring (docs/reference/chat-protocol.md), as the chat protocol sees them
 * (room-directory.ts): every operation is coordinated by the node the acting client is connected
 * to. Its parts:
 *
 * - connection-registry.ts: this node's connections, the one owner of which rooms each is in;
 * - room-coordinator.ts: each operation sent to the room's N=3 replicas, answered at W=2 (R=2),
 *   the replies merged, stale replicas read-repaired;
 * - room-fanout.ts: the resulting event to the members, one `chat.deliver` message per node;
 * - room-evictions.ts and member-resync.ts: members of dead nodes and gone connections.
 */
import { Injectable } from '@nestjs/common';
import { CoverageService } from '@ringnest/riak-core';
import { CHAT, JoinReply } from './chat-commands';
import { ChatStore } from './chat-store';
import { ConnectionRegistry } from './connection-registry';
import { ConnectionId, Deliver, JoinResult, LeaveResult, Member, RoomDirectory, RoomMessage, RoomUnavailableError, SayResult } from './room-directory';
import { Fanout, ROOM_N, ROOM_TIMEOUT_MS, RoomCoordinator, mergeTargets } from './room-coordinator';
import { RoomFanout } from './room-fanout';
import { RoomState, StoredMessage, emptyRoom, keyOf, mergeRooms, presentMembers, unreadFor } from './room-state';

@Injectable()
export class RingRoomDirectory implements RoomDirectory {
  private messageSeq = 0;
  private lastAt = 0;

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly replicas: RoomCoordinator,
    private readonly fanout: RoomFanout,
    private readonly coverage: CoverageService,
    private readonly store: ChatStore,
  ) {}

  attach(connection: ConnectionId, deliver: Deliver): void {
    this.connections.attach(connection, deliver);
  }

  async detach(connection: ConnectionId): Promise<void> {
    const local = this.connections.get(connection);
    if (!local) return;
    await Promise.allSettled([...local.rooms].map(([room, entry]) => this.leave(room, { name: entry.name, connection, node: this.connections.self })));
    this.connections.remove(connection);
  }

  async join(room: string, member: Member): Promise<JoinResult> {
    const local = this.connections.local(member.connection);
    if (local.rooms.has(room)) return { kind: 'already-member' };
    const entry = this.connections.entry(member.connection, member.name, true);
    local.rooms.set(room, entry);
    let ok: readonly Partial<JoinReply>[];
    try {
      ok = await this.replicas.quorum(room, this.replicas.send(room, { op: 'join', room, entry }));
    } catch (err) {
      local.rooms.delete(room);
      throw err;
    }
    const targets: Fanout = new Map();
    let history = emptyRoom();
    for (const r of ok) {
      mergeTargets(targets, r.targets);
      history = mergeRooms(history, { ...emptyRoom(), history: [...(r.history ?? [])] });
    }
    this.observe(history.history);
    this.fanout.fanOut(room, targets, { kind: 'joined', room, name: member.name });
    return { kind: 'joined', history: history.history.map(({ from, text }) => ({ from, text })) };
  }

  /**
   * Only replicas holding the live room store the message. When every replica of the quorum says it
   * has no such room, the others are waited for too (one of them may hold a room the quorum has not
   * seen yet); the room does not exist only if none has it.
   */
  async say(room: string, from: string, text: string): Promise<SayResult> {
    const message = { id: `${this.connections.bootId}.${++this.messageSeq}`, at: this.clock(), from, text };
    const request = this.replicas.send(room, { op: 'say', room, message });
    let ok = await this.replicas.quorum(room, request);
    if (ok.every((r) => r.missing)) ok = await this.replicas.everyAnswer(room, request);
    if (ok.every((r) => r.missing)) return { kind: 'no-such-room' };
    const targets: Fanout = new Map();
    for (const r of ok) mergeTargets(targets, r.targets);
    this.fanout.fanOut(room, targets, { kind: 'message', room, from, text });
    return { kind: 'said' };
  }

  async leave(room: string, member: Member): Promise<LeaveResult> {
    const local = this.connections.get(member.connection);
    const current = local?.rooms.get(room);
    if (!local || !current) return { kind: 'not-a-member' };
    local.rooms.delete(room);
    const { targets, was } = await this.replicas.write(room, { op: 'member', room, entry: this.connections.entry(member.connection, current.name, false) });
    // Already evicted (its node was thought dead): the room was told then.
    if (was) this.fanout.fanOut(room, targets, { kind: 'left', room, name: current.name });
    return { kind: 'left' };
  }

  async who(room: string): Promise<string[]> {
    const state = await this.read(room);
    return [...new Set(presentMembers(state).map((m) => m.name))].sort();
  }

  async rooms(): Promise<string[]> {
    const outcome = await this.coverage.coverage(CHAT, { op: 'rooms' }, ROOM_N, { timeoutMs: ROOM_TIMEOUT_MS }).catch((err: unknown) => {
      throw new RoomUnavailableError('the room list', (err as Error).message);
    });
    if (outcome.kind === 'insufficient') throw new RoomUnavailableError('the room list', `${outcome.missing.length} partitions have no reachable replica`);
    const names = new Set<string>();
    for (const r of outcome.replies) if (Array.isArray(r.result)) for (const name of r.result) names.add(name);
    return [...names].sort();
  }

  /** Moves the name's mark only when something was unread: a name without a mark gets none. */
  async unread(room: string, member: Member): Promise<RoomMessage[]> {
    const state = await this.read(room);
    const missed = unreadFor(state, member.name);
    const last = missed[missed.length - 1];
    if (last) await this.replicas.write(room, { op: 'mark-read', room, name: member.name, upTo: keyOf(last) }).catch(() => undefined);
    return missed.map(({ from, text }) => ({ from, text }));
  }

  async rename(connection: ConnectionId, name: string): Promise<void> {
    const local = this.connections.get(connection);
    if (!local) return;
    await Promise.all(
      [...local.rooms].map(([room]) => {
        const entry = this.connections.entry(connection, name, true);
        local.rooms.set(room, entry);
        return this.replicas.write(room, { op: 'member', room, entry });
      }),
    );
  }

  /** Connections held here (for tests and metrics). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The room merged from R replicas (none when expired); its history moves this node's clock. */
  private async read(room: string): Promise<RoomState> {
    const state = await this.replicas.read(room);
    this.observe(state.history);
    return state;
  }

  /**
   * Microseconds of the rooms' clock (wall-clock milliseconds, `ChatRoomsOptions.now`), never
   * repeating or going back on this node and never behind a message it has seen (a hybrid clock):
   * orders the history, so a message said after another was seen sorts after it.
   */
  private clock(): number {
    this.lastAt = Math.max(Math.floor(this.store.options.now() * 1000), this.lastAt + 1);
    return this.lastAt;
  }

  private observe(history: readonly StoredMessage[]): void {
    const last = history[history.length - 1];
    if (last && last.at > this.lastAt) this.lastAt = last.at;
  }
}
