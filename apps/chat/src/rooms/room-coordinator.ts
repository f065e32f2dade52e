/**
 * Room operations on the ring (docs/reference/chat-protocol.md): a room's replicas live on the N=3 chat
 * vnodes of the preference list of its ring key ("chat", room) — fallbacks standing in for down
 * primaries (sloppy quorum) — and each operation goes to the N vnodes through riak-core's replica
 * coordinator, answered once W=2 (or R=2) of them did. Replies are merged here (room-state.ts: a
 * CRDT, so replicas that missed something are simply merged), and a read repairs the replicas
 * found behind the merge once all answered.
 *
 * Rooms expire (room-state.ts, `isExpired`): the vnodes drop them, and a read applies the same rule
 * to what it merged, so a replica that has not swept yet does not show an expired room.
 */
import { Injectable } from '@nestjs/common';
import { AnnotatedEntry, CoordinatedRequest, NodeWatcher, QuorumOutcome, ReadRepair, ReplicaCoordinator, RingManager, getAplAnn, ownershipOf, quorumFailureText } from '@ringnest/riak-core';
import { CHAT, CHAT_SERVICE, ChatCommand, ChatEvict, ChatMarkRead, ChatMember, ChatMerge, ChatSay, RoomReply, Targets } from './chat-commands';
import { ChatStore } from './chat-store';
import { roomPartition } from './chat.vnode';
import { RoomUnavailableError } from './room-directory';
import { MemberEntry, RoomState, emptyRoom, fingerprint, isExpired, mergeRooms, newerEntry } from './room-state';

/** replicas per room */
export const ROOM_N = 3;
/** replies a write or a read waits for */
export const ROOM_QUORUM = 2;
export const ROOM_TIMEOUT_MS = 3000;

/** Where a room event goes: node → the cluster-unique ids of its connections in the room. */
export type Fanout = Map<string, Set<string>>;

/** The union of the replicas' answers (a connection one replica still lists gets the event; its node drops it if it left). */
export function mergeTargets(into: Fanout, from: Targets | Fanout | undefined): Fanout {
  for (const [node, conns] of from instanceof Map ? from : Object.entries(from ?? {})) {
    let set = into.get(node);
    if (!set) into.set(node, (set = new Set()));
    for (const c of conns) set.add(c);
  }
  return into;
}

/** A request to a room's replicas. */
export type RoomRequest<R> = CoordinatedRequest<typeof CHAT, R>;

@Injectable()
export class RoomCoordinator {
  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
    private readonly coordinator: ReplicaCoordinator,
    private readonly store: ChatStore,
  ) {}

  /** The room's annotated preference list: N vnodes, fallbacks for down primaries. */
  apl(room: string, up = this.watcher.upNodes(CHAT_SERVICE)): AnnotatedEntry[] {
    const owners = ownershipOf(this.rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), ROOM_N, up);
  }

  /** The first primary of the room that is up: it announces what happens to the room without a client (a node's death). */
  announcer(room: string, up: ReadonlySet<string>): string | undefined {
    const owners = ownershipOf(this.rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), ROOM_N, new Set(owners)).find((e) => up.has(e.node))?.node;
  }

  /** `command` to the room's N vnodes; each reply as the other node sent it (checked by the caller where it matters). */
  send<const C extends ChatCommand>(room: string, command: C) {
    return this.coordinator.send(this.apl(room), CHAT, command, { need: ROOM_QUORUM, timeoutMs: ROOM_TIMEOUT_MS });
  }

  /** The good replies once W (or R) replicas answered; too few: the room is unavailable. */
  async quorum<R>(room: string, request: RoomRequest<R>): Promise<readonly R[]> {
    const answer = await request.answer();
    if (answer.kind !== 'met') throw new RoomUnavailableError(room, quorumFailureText(answer));
    return answer.replies;
  }

  /** The good replies once every replica answered or timed out, still needing W. */
  async everyAnswer<R>(room: string, request: RoomRequest<R>): Promise<readonly R[]> {
    const answer: QuorumOutcome<R> = await request.everyAnswer();
    if (answer.kind !== 'met') throw new RoomUnavailableError(room, `${answer.have} of ${ROOM_QUORUM} replicas answered`);
    return answer.replies;
  }

  /**
   * A write, answered at W (or, with `all`, once every replica answered or timed out, still needing
   * W): the fan-out targets of the replies, and for `member` whether the connection was present
   * before — in the merge of the replicas' previous entries, so an eviction one replica holds beats
   * the stale presence another still has.
   */
  async write(room: string, command: ChatMember | ChatEvict | ChatSay | ChatMarkRead, all = false): Promise<{ targets: Fanout; was: boolean }> {
    const request = this.send(room, command);
    const ok = all ? await this.everyAnswer(room, request) : await this.quorum(room, request);
    const targets: Fanout = new Map();
    let prev: MemberEntry | undefined;
    for (const r of ok) {
      if (!('targets' in r)) continue; // mark-read answers only ok
      mergeTargets(targets, r.targets);
      if (r.prev) prev = prev ? newerEntry(prev, r.prev) : r.prev;
    }
    return { targets, was: prev?.present ?? false };
  }

  /**
   * Whole replicas from R vnodes, merged; replicas found behind the merge are repaired once all
   * answered. A merge that is expired by this node's clock is no room and is not repaired (a replica
   * whose clock is behind answered with it; it drops it by the same rule soon).
   */
  async read(room: string): Promise<RoomState> {
    const request = this.send(room, { op: 'read', room });
    const ok = await this.quorum(room, request);
    const merged = ok.reduce((acc, r) => (r.state ? mergeRooms(acc, r.state) : acc), emptyRoom());
    if (isExpired(merged, this.store.options.now(), this.store.options.roomTtlMs)) return emptyRoom();
    void request.repair(roomRepair(room));
    return merged;
  }
}

/** Read repair of a room: the replicas whose state differs from the merge get the merge. */
function roomRepair(room: string): ReadRepair<Partial<RoomReply>, RoomState, ChatMerge> {
  return {
    stateOf: (r) => r.state,
    merge: (states) => states.reduce<RoomState>((acc, s) => mergeRooms(acc, s), emptyRoom()),
    isStale: (state, merged) => state !== undefined && fingerprint(state) !== fingerprint(merged),
    command: (state) => ({ op: 'merge', room, state }),
    timeoutMs: ROOM_TIMEOUT_MS,
  };
}
