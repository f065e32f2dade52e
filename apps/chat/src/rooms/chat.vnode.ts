/**
 * The chat vnode: one per partition of the `chat` service, holding the replicas of the rooms whose
 * ring key ("chat", room) falls in that partition, applying the room operations of `ChatCommand`
 * (pure functions of room-state.ts) and implementing the handoff callbacks so rooms move like any
 * other vnode data (ownership, hinted and repair handoff; a handed-off room is merged, never
 * overwritten). Bad commands are answered with an error reply and change nothing; nothing here throws
 * on input, so the vnode is never restarted by a peer's bad message.
 *
 * Only `join`, `member` (the holding node's writes) and `merge`/handoff (copies of rooms that exist
 * elsewhere) create a room; `say`, `read`, `mark-read` and `evict` never do. Every access first
 * drops the room if it has expired by this vnode's clock (room-state.ts, `isExpired`), and every
 * write drops what it leaves expired or empty — so a stale copy merged in is expired on arrival.
 */
import { Injectable } from '@nestjs/common';
import {
  CommandResult,
  HandoffCommandResult,
  HandoffDataResult,
  HandoffItem,
  PartitionIndex,
  Vnode,
  VnodeContext,
  decodeMsgpack,
  encodeMsgpack,
  keyIndex,
  reply,
} from '@ringnest/riak-core';
import { CHAT_BUCKET, ChatCommand, ChatReply, EvictReply, ExpireReply, Targets, isChatCommand } from './chat-commands';
import { ChatStore } from './chat-store';
import {
  RoomState,
  append,
  copyRoom,
  emptyRoom,
  evictConns,
  evictNode,
  expireTombstones,
  isEmptyRoom,
  isExpired,
  isIdle,
  isLiveRoom,
  isRoomState,
  join,
  markRead,
  mergeRooms,
  presentMembers,
  putMember,
  targetsOf,
} from './room-state';

/** how often a room's expired tombstones are swept (on its next write) */
const SWEEP_INTERVAL_MS = 1000;

export interface ChatErrorReply {
  readonly error: string;
}

/** The ring partition of a room (its ring key is ("chat", room); room names are byte strings). */
export function roomPartition(room: string, ringSize: number): PartitionIndex {
  return keyIndex(CHAT_BUCKET, Buffer.from(room, 'latin1'), ringSize);
}

@Injectable()
export class ChatVnode implements Vnode<unknown, ChatReply | ChatErrorReply> {
  private ctx!: VnodeContext;
  private rooms!: Map<string, RoomState>;
  /** room → when its tombstones are next swept */
  private readonly sweepAt = new Map<string, number>();
  /**
   * room → its fan-out targets, for the replica object they were computed from: a `say` answers
   * with the targets of a room whose members it does not change. Dropped by every write that may
   * change the members; the replies share the object, which nobody mutates.
   */
  private readonly targetsCache = new Map<string, { readonly state: RoomState; readonly targets: Targets }>();

  constructor(private readonly store: ChatStore) {}

  init(ctx: VnodeContext): void {
    this.ctx = ctx;
    this.rooms = this.store.partition(ctx.index);
  }

  handleCommand(command: unknown): CommandResult<ChatReply | ChatErrorReply> {
    if (!isChatCommand(command)) return reply({ error: 'not a chat command' });
    return reply(this.apply(command));
  }

  /** During handoff: apply here and copy writes to the target; reads are answered here. */
  handleHandoffCommand(command: unknown): HandoffCommandResult<ChatReply | ChatErrorReply> {
    if (!isChatCommand(command)) return reply({ error: 'not a chat command' });
    const answer = this.apply(command);
    // a read, and expiry (each replica judges by its own clock), are not forwarded to the target
    return command.op === 'read' || command.op === 'expire' ? reply(answer) : { kind: 'reply-and-forward', reply: answer };
  }

  /** Coverage `{op:'rooms'}`: the live rooms (present members or history, not expired) of the covered partitions. */
  handleCoverage(request: unknown, keySpaces: readonly PartitionIndex[]): CommandResult<string[] | ChatErrorReply> {
    if (!request || typeof request !== 'object' || (request as { op?: unknown }).op !== 'rooms') return reply({ error: "chat coverage supports {op:'rooms'} only" });
    const wanted = new Set(keySpaces);
    const names: string[] = [];
    for (const room of [...this.rooms.keys()]) {
      if (!wanted.has(roomPartition(room, this.ctx.ringSize))) continue;
      const state = this.current(room);
      if (state && isLiveRoom(state)) names.push(room);
    }
    return reply(names);
  }

  async fold(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void> {
    const wanted = keySpaces && new Set(keySpaces);
    for (const [room, state] of [...this.rooms]) {
      if (wanted && !wanted.has(roomPartition(room, this.ctx.ringSize))) continue;
      await visit({ key: room, value: state });
    }
  }

  encodeHandoffItem(item: HandoffItem): Uint8Array {
    return encodeMsgpack({ room: item.key, state: item.value });
  }

  /** Merges the handed-off replica into the one held here (idempotent). */
  handleHandoffData(data: Uint8Array): HandoffDataResult {
    let item: { room?: unknown; state?: unknown };
    try {
      item = decodeMsgpack(data) as { room?: unknown; state?: unknown };
    } catch (err) {
      return { kind: 'error', reason: `chat handoff item: ${(err as Error).message}` };
    }
    if (typeof item?.room !== 'string' || !isRoomState(item.state)) return { kind: 'error', reason: 'chat handoff item: expected {room, state}' };
    this.write(item.room, (r) => mergeRooms(r, item.state as RoomState));
    return { kind: 'ok' };
  }

  isEmpty(): boolean {
    return this.rooms.size === 0;
  }

  size(): number {
    return this.rooms.size;
  }

  delete(): void {
    this.rooms.clear();
    this.sweepAt.clear();
    this.targetsCache.clear();
    this.store.drop(this.ctx.index);
    this.rooms = this.store.partition(this.ctx.index);
  }

  private apply(c: ChatCommand): ChatReply {
    switch (c.op) {
      case 'join': {
        const room = this.write(c.room, (r) => join(r, c.entry));
        return { history: [...room.history], targets: this.targets(c.room, room) };
      }
      case 'member': {
        const prev = this.current(c.room)?.members[c.entry.conn] ?? null;
        return { targets: this.targets(c.room, this.write(c.room, (r) => putMember(r, c.entry))), prev };
      }
      case 'evict': {
        if (!this.current(c.room)) return { targets: {} };
        return { targets: this.targets(c.room, this.write(c.room, (r) => (evictConns(r, c.conns, this.now()), r))) };
      }
      case 'say': {
        const room = this.current(c.room);
        if (!room || !isLiveRoom(room)) return { targets: {}, missing: true };
        // a message changes no member: the targets computed before it still hold
        return { targets: this.targets(c.room, this.write(c.room, (r) => append(r, c.message), true)) };
      }
      case 'read':
        return { state: copyRoom(this.current(c.room) ?? emptyRoom()) };
      case 'mark-read':
        if (this.current(c.room)) this.write(c.room, (r) => markRead(r, c.name, c.upTo), true);
        return { ok: true };
      case 'merge':
        this.write(c.room, (r) => mergeRooms(r, c.state));
        return { ok: true };
      case 'evict-node':
        return this.evict(c.node);
      case 'expire':
        return this.expire();
    }
  }

  private now(): number {
    return this.store.options.now();
  }

  private evict(node: string): EvictReply {
    const now = this.now();
    const rooms: EvictReply['rooms'][number][] = [];
    for (const [room, state] of this.rooms) {
      const evicted = evictNode(state, node, now);
      if (evicted.length === 0) continue;
      this.targetsCache.delete(room);
      rooms.push({ room, evicted, targets: this.targets(room, state) });
    }
    return { rooms };
  }

  /** The periodic sweep: forget expired tombstones, drop expired and empty rooms, list idle rooms that still have members. */
  private expire(): ExpireReply {
    const now = this.now();
    const ttl = this.store.options.roomTtlMs;
    let expired = 0;
    const idle: ExpireReply['idle'][number][] = [];
    for (const [room, state] of [...this.rooms]) {
      expireTombstones(state, now);
      if (isExpired(state, now, ttl)) {
        this.forget(room, true);
        expired++;
      } else if (isEmptyRoom(state)) this.forget(room);
      else if (isIdle(state, now, ttl)) idle.push({ room, members: presentMembers(state) });
    }
    return { expired, idle };
  }

  /** The replica of `room`, or undefined when there is none or it has expired (it is then dropped). */
  private current(room: string): RoomState | undefined {
    const state = this.rooms.get(room);
    if (state && isExpired(state, this.now(), this.store.options.roomTtlMs)) {
      this.forget(room, true);
      return undefined;
    }
    return state;
  }

  private forget(room: string, expired = false): void {
    if (this.rooms.delete(room) && expired) this.store.stats.expired++;
    this.sweepAt.delete(room);
    this.targetsCache.delete(room);
  }

  /** The fan-out targets of `room` (its replica `state`), computed once per change of its members. */
  private targets(room: string, state: RoomState): Targets {
    const cached = this.targetsCache.get(room);
    if (cached?.state === state) return cached.targets;
    const targets = targetsOf(state);
    this.targetsCache.set(room, { state, targets });
    return targets;
  }

  /**
   * Every update goes through here: apply (in place, to the current replica or a new one), now and
   * then forget expired tombstones, and drop a room left with nothing or left expired (a stale copy
   * merged in). `membersKept`: the update changes no member entry (forgetting tombstones changes no
   * target either), so the room's cached targets stay.
   */
  private write(room: string, update: (r: RoomState) => RoomState, membersKept = false): RoomState {
    if (!membersKept) this.targetsCache.delete(room);
    const next = update(this.current(room) ?? emptyRoom());
    const now = this.now();
    if (now >= (this.sweepAt.get(room) ?? 0)) {
      expireTombstones(next, now);
      this.sweepAt.set(room, now + SWEEP_INTERVAL_MS);
    }
    if (isExpired(next, now, this.store.options.roomTtlMs)) this.forget(room, true);
    else if (isEmptyRoom(next)) this.forget(room);
    else this.rooms.set(room, next);
    return next;
  }
}
