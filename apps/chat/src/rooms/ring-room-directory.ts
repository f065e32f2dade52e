/**
 * The rooms of a chat cluster on the ring (docs/reference/chat-protocol.md): a room's replicas live on the N=3 chat vnodes
 * of the preference list of its ring key ("chat", room) — fallbacks standing in for down primaries
 * (sloppy quorum) — and every operation is coordinated by the node the acting client is connected
 * to: it sends the operation to the N vnodes, answers once W=2 (or R=2) of them did, merges their
 * replies (room-state.ts: a CRDT, so replicas that missed something are simply merged, and read
 * repair brings them up to date), and fans the resulting event out to the members: one batched
 * `chat.deliver` message per node holding member connections, then each node writes to its own
 * sockets. Each connection is one member entry, so a member gets every event exactly once.
 *
 * This node is the one owner of its connections (which rooms each is in, under which name, with
 * which entry version); the replicas only route. Members held by a node that dies are evicted by
 * every surviving node from the replicas it holds, and announced once, by the first up primary of
 * the room. A connection that a node reports gone when an event is delivered to it is evicted too.
 *
 * Rooms expire (room-state.ts, `isExpired`): the vnodes drop them, and this coordinator applies the
 * same rule to what it reads, so a replica that has not swept yet does not show an expired room.
 * A present member is not expired by age, so `verifyIdleMembers` asks the nodes holding the members
 * of idle rooms whether those connections still exist, and evicts the ones that do not: a stale
 * copy that brought back a member who left long ago cannot keep a room alive forever.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AnnotatedEntry, CLUSTER_CLIENT, ClusterClient, CoverageService, NodeWatcher, QuorumError, RingManager, VnodeMaster, gather, getAplAnn, memberOf, ownershipOf } from '@ringnest/riak-core';
import { randomBytes } from 'node:crypto';
import { Subscription } from 'rxjs';
import {
  CHAT_DELIVER_PATTERN,
  CHAT_HELD_PATTERN,
  CHAT_RESYNC_PATTERN,
  CHAT,
  CHAT_SERVICE,
  ChatCommand,
  ChatEvict,
  ChatMarkRead,
  ChatMember,
  ChatSay,
  DeliverReply,
  EvictReply,
  ExpireReply,
  HeldReply,
  HeldRequest,
  JoinReply,
  RoomReply,
  Targets,
  isHeldReply,
} from './chat-commands';
import { ChatStore } from './chat-store';
import { roomPartition } from './chat.vnode';
import { ConnectionId, Deliver, JoinResult, LeaveResult, Member, RoomDirectory, RoomEvent, RoomMessage, RoomUnavailableError, SayResult } from './room-directory';
import { MemberEntry, RoomState, StoredMessage, emptyRoom, fingerprint, isExpired, keyOf, mergeRooms, newerEntry, presentMembers, unreadFor } from './room-state';

/** Where a room event goes: node → the cluster-unique ids of its connections in the room. */
type Fanout = Map<string, Set<string>>;

/** The union of the replicas' answers (a connection one replica still lists gets the event; its node drops it if it left). */
function mergeTargets(into: Fanout, from: Targets | Fanout | undefined): Fanout {
  for (const [node, conns] of from instanceof Map ? from : Object.entries(from ?? {})) {
    let set = into.get(node);
    if (!set) into.set(node, (set = new Set()));
    for (const c of conns) set.add(c);
  }
  return into;
}

/** The connection id on its node, from a cluster-unique id (`<boot id>.<local id>`). */
const localOf = (conn: string): string => conn.slice(conn.indexOf('.') + 1);

/** replicas per room */
export const ROOM_N = 3;
/** replies a write or a read waits for */
export const ROOM_QUORUM = 2;
export const ROOM_TIMEOUT_MS = 3000;
const DELIVER_TIMEOUT_MS = 5000;
const RESYNC_PASSES = 10;
const RESYNC_RETRY_MS = 1000;

interface LocalConnection {
  readonly deliver: Deliver;
  /** room → this connection's current entry there */
  readonly rooms: Map<string, MemberEntry>;
}

@Injectable()
export class RingRoomDirectory implements RoomDirectory, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChatRooms');
  /** makes connection and message ids unique across restarts of this node */
  private readonly bootId = randomBytes(6).toString('base64url');
  private readonly connections = new Map<ConnectionId, LocalConnection>();
  private version = 0;
  private messageSeq = 0;
  private lastAt = 0;
  private sub: Subscription | undefined;
  /** running totals for /metrics: events written to this node's connections, `chat.deliver` messages sent to other nodes */
  readonly stats = { delivered: 0, deliverMessages: 0 };
  /** nodes this node saw die (and evicted the members of): told to re-assert their members when they are back */
  private readonly suspected = new Set<string>();
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;

  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
    private readonly master: VnodeMaster,
    private readonly coverage: CoverageService,
    private readonly store: ChatStore,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
  ) {}

  onModuleInit(): void {
    this.sub = this.watcher.changes$.subscribe((c) => {
      if (c.service !== CHAT_SERVICE || c.node === this.self) return;
      if (!c.up) {
        this.suspected.add(c.node);
        void this.nodeDown(c.node);
      } else if (this.suspected.delete(c.node)) this.askToResync(c.node);
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }

  attach(connection: ConnectionId, deliver: Deliver): void {
    this.connections.set(connection, { deliver, rooms: new Map() });
  }

  async detach(connection: ConnectionId): Promise<void> {
    const local = this.connections.get(connection);
    if (!local) return;
    await Promise.allSettled([...local.rooms].map(([room, entry]) => this.leave(room, { name: entry.name, connection, node: this.self })));
    this.connections.delete(connection);
  }

  async join(room: string, member: Member): Promise<JoinResult> {
    const local = this.local(member.connection);
    if (local.rooms.has(room)) return { kind: 'already-member' };
    const entry = this.entry(member.connection, member.name, true);
    local.rooms.set(room, entry);
    let ok: readonly Partial<JoinReply>[];
    try {
      ok = await this.quorum(room, this.send(room, { op: 'join', room, entry }).replies);
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
    this.fanOut(room, targets, { kind: 'joined', room, name: member.name });
    return { kind: 'joined', history: history.history.map(({ from, text }) => ({ from, text })) };
  }

  /**
   * Only replicas holding the live room store the message. When every replica of the quorum says it
   * has no such room, the others are waited for too (one of them may hold a room the quorum has not
   * seen yet); the room does not exist only if none has it.
   */
  async say(room: string, from: string, text: string): Promise<SayResult> {
    const message = { id: `${this.bootId}.${++this.messageSeq}`, at: this.clock(), from, text };
    const { replies } = this.send(room, { op: 'say', room, message });
    let ok = await this.quorum(room, replies);
    if (ok.every((r) => r.missing)) ok = await this.everyAnswer(room, replies);
    if (ok.every((r) => r.missing)) return { kind: 'no-such-room' };
    const targets: Fanout = new Map();
    for (const r of ok) mergeTargets(targets, r.targets);
    this.fanOut(room, targets, { kind: 'message', room, from, text });
    return { kind: 'said' };
  }

  async leave(room: string, member: Member): Promise<LeaveResult> {
    const local = this.connections.get(member.connection);
    const current = local?.rooms.get(room);
    if (!local || !current) return { kind: 'not-a-member' };
    local.rooms.delete(room);
    const { targets, was } = await this.write(room, { op: 'member', room, entry: this.entry(member.connection, current.name, false) });
    // Already evicted (its node was thought dead): the room was told then.
    if (was) this.fanOut(room, targets, { kind: 'left', room, name: current.name });
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
    if (last) await this.write(room, { op: 'mark-read', room, name: member.name, upTo: keyOf(last) }).catch(() => undefined);
    return missed.map(({ from, text }) => ({ from, text }));
  }

  async rename(connection: ConnectionId, name: string): Promise<void> {
    const local = this.connections.get(connection);
    if (!local) return;
    await Promise.all(
      [...local.rooms].map(([room]) => {
        const entry = this.entry(connection, name, true);
        local.rooms.set(room, entry);
        return this.write(room, { op: 'member', room, entry });
      }),
    );
  }

  /**
   * Re-assert every membership of this node's connections with newer versions: another node thought
   * this one dead and evicted them. A member the replicas no longer had is announced as joined.
   * Requests that arrive while one runs are folded into one more pass; a room that was unavailable,
   * or whose primaries this node does not see up yet, is retried a second later (at most
   * RESYNC_PASSES passes; the last one writes wherever the preference list points).
   */
  resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    const run = async (): Promise<void> => {
      const done = new Set<string>();
      for (let pass = 0; pass < RESYNC_PASSES; pass++) {
        if (pass > 0) await new Promise((r) => setTimeout(r, RESYNC_RETRY_MS));
        if (this.resyncAgain) done.clear();
        this.resyncAgain = false;
        const last = pass === RESYNC_PASSES - 1;
        let pending = false;
        for (const [connection, local] of [...this.connections]) {
          for (const [room, current] of [...local.rooms]) {
            const key = `${connection}\n${room}`;
            if (done.has(key)) continue;
            // Wait (a pass or a few) until this node sees the room's primaries again: written to
            // fallbacks only, the eviction the primaries hold would be missed and nobody told.
            if (!last && this.apl(room).some((e) => e.type === 'fallback')) {
              pending = true;
              continue;
            }
            const entry = this.entry(connection, current.name, true);
            local.rooms.set(room, entry);
            try {
              const { targets, was } = await this.write(room, { op: 'member', room, entry }, true);
              if (!was) this.fanOut(room, targets, { kind: 'joined', room, name: current.name });
              done.add(key);
            } catch (err) {
              pending = true;
              this.logger.warn(`re-asserting ${current.name} in ${room}: ${(err as Error).message}`);
            }
          }
        }
        if (!pending && !this.resyncAgain) return;
      }
    };
    this.resyncing = run().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  /**
   * Events for connections of this node (from this node's fan-out or a `chat.deliver` message):
   * written to each connection still in the room; returns the connections this node does not hold.
   */
  deliverLocal(event: RoomEvent, connections: readonly string[]): DeliverReply {
    const gone: string[] = [];
    for (const id of connections) {
      const local = this.connections.get(id);
      if (!local) gone.push(id);
      else if (local.rooms.has(event.room)) {
        local.deliver(event);
        this.stats.delivered++;
      }
    }
    return { gone };
  }

  /** Which of these cluster-unique connection ids are not (any more) members of `room` through this node, in this boot. */
  notHeld(room: string, conns: readonly string[]): string[] {
    return conns.filter((c) => !c.startsWith(`${this.bootId}.`) || !this.connections.get(localOf(c))?.rooms.has(room));
  }

  /**
   * Rooms idle past the TTL that still have present members (from the expiry sweep of this node's
   * replicas): ask each node holding members which of them it still holds in the room (one
   * `chat.held` message per node for all rooms), and evict the others. Every node checks the
   * replicas it holds (a stale copy may be on any one of them). Nobody is told: those members left
   * long ago, only a stale copy still listed them.
   */
  async verifyIdleMembers(idle: ExpireReply['idle']): Promise<void> {
    const up = this.watcher.upNodes(CHAT_SERVICE);
    const byNode = new Map<string, Map<string, string[]>>();
    for (const { room, members } of idle) {
      for (const m of members) {
        let rooms = byNode.get(m.node);
        if (!rooms) byNode.set(m.node, (rooms = new Map()));
        const conns = rooms.get(room);
        if (conns) conns.push(m.conn);
        else rooms.set(room, [m.conn]);
      }
    }
    const ring = this.rings.current;
    await Promise.allSettled(
      [...byNode].map(async ([node, rooms]) => {
        const asked: HeldRequest = { rooms: [...rooms].map(([room, connections]) => ({ room, connections })) };
        let gone: HeldReply['gone'];
        if (node === this.self) gone = asked.rooms.map(({ room, connections }) => ({ room, connections: this.notHeld(room, connections) }));
        else {
          // a node that is down or gone from the ring: its members are evicted when it is seen down
          const addr = memberOf(ring, node)?.addr;
          if (!addr || !up.has(node)) return;
          const reply = await this.client.request(addr, CHAT_HELD_PATTERN, asked, { timeoutMs: DELIVER_TIMEOUT_MS });
          gone = isHeldReply(reply) ? reply.gone : [];
        }
        await Promise.allSettled(gone.filter((g) => g.connections.length > 0).map(({ room, connections }) => this.write(room, { op: 'evict', room, conns: connections })));
      }),
    );
  }

  /** Connections held here (for tests and metrics). */
  get connectionCount(): number {
    return this.connections.size;
  }

  private get self(): string {
    return this.rings.self;
  }

  private local(connection: ConnectionId): LocalConnection {
    const local = this.connections.get(connection);
    if (!local) throw new Error(`connection ${connection} is not attached`);
    return local;
  }

  private entry(connection: ConnectionId, name: string, present: boolean): MemberEntry {
    return { conn: `${this.bootId}.${connection}`, node: this.self, name, v: ++this.version, present, at: this.store.options.now() };
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

  /** The room's annotated preference list: N vnodes, fallbacks for down primaries. */
  private apl(room: string, up = this.watcher.upNodes(CHAT_SERVICE)): AnnotatedEntry[] {
    const owners = ownershipOf(this.rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), ROOM_N, up);
  }

  /** The first primary of the room that is up: it announces what happens to the room without a client (a node's death). */
  private announcer(room: string, up: ReadonlySet<string>): string | undefined {
    const owners = ownershipOf(this.rings.current).owners;
    return getAplAnn(owners, roomPartition(room, owners.length), ROOM_N, new Set(owners)).find((e) => up.has(e.node))?.node;
  }

  /** `command` to the room's N vnodes; each reply as the other node sent it (checked by the caller where it matters). */
  private send<const C extends ChatCommand>(room: string, command: C) {
    const apl = this.apl(room);
    return { apl, replies: this.master.command(apl, CHAT, command, { timeoutMs: ROOM_TIMEOUT_MS }) };
  }

  private async quorum<R>(room: string, replies: Promise<R>[]): Promise<readonly R[]> {
    try {
      return (await gather(replies, ROOM_QUORUM, ROOM_TIMEOUT_MS)).ok;
    } catch (err) {
      if (err instanceof QuorumError) throw new RoomUnavailableError(room, err.message);
      throw err;
    }
  }

  /**
   * A write, answered at W (or, with `all`, once every replica answered or timed out, still needing
   * W): the fan-out targets of the replies, and for `member` whether the connection was present
   * before — in the merge of the replicas' previous entries, so an eviction one replica holds beats
   * the stale presence another still has.
   */
  private async write(room: string, command: ChatMember | ChatEvict | ChatSay | ChatMarkRead, all = false): Promise<{ targets: Fanout; was: boolean }> {
    const { replies } = this.send(room, command);
    const ok = all ? await this.everyAnswer(room, replies) : await this.quorum(room, replies);
    const targets: Fanout = new Map();
    let prev: MemberEntry | undefined;
    for (const r of ok) {
      if (!('targets' in r)) continue; // mark-read answers only ok
      mergeTargets(targets, r.targets);
      if (r.prev) prev = prev ? newerEntry(prev, r.prev) : r.prev;
    }
    return { targets, was: prev?.present ?? false };
  }

  private async everyAnswer<R>(room: string, replies: Promise<R>[]): Promise<R[]> {
    const settled = await Promise.allSettled(replies);
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (ok.length < ROOM_QUORUM) throw new RoomUnavailableError(room, `${ok.length} of ${ROOM_QUORUM} replicas answered`);
    return ok;
  }

  private askToResync(node: string): void {
    const addr = memberOf(this.rings.current, node)?.addr;
    if (!addr) return;
    this.client.request(addr, CHAT_RESYNC_PATTERN, { from: this.self }, { timeoutMs: DELIVER_TIMEOUT_MS }).catch((err: unknown) => {
      this.logger.debug(`asking ${node} to re-assert its members failed: ${(err as Error).message}`);
    });
  }

  /**
   * Whole replicas from R vnodes, merged; replicas found behind the merge are repaired once all
   * answered. A merge that is expired by this node's clock is no room and is not repaired (a replica
   * whose clock is behind answered with it; it drops it by the same rule soon).
   */
  private async read(room: string): Promise<RoomState> {
    const { apl, replies } = this.send(room, { op: 'read', room });
    const ok = await this.quorum(room, replies);
    const merged = ok.reduce((acc, r) => (r.state ? mergeRooms(acc, r.state) : acc), emptyRoom());
    if (isExpired(merged, this.store.options.now(), this.store.options.roomTtlMs)) return emptyRoom();
    void this.repair(room, apl, replies);
    this.observe(merged.history);
    return merged;
  }

  /** Once every replica answered, send the merge to those that differ from it (read repair). */
  private async repair(room: string, apl: readonly AnnotatedEntry[], replies: Promise<Partial<RoomReply>>[]): Promise<void> {
    const settled = await Promise.allSettled(replies);
    const states = settled.map((s) => (s.status === 'fulfilled' ? s.value.state : undefined));
    const merged = states.reduce<RoomState>((acc, s) => (s ? mergeRooms(acc, s) : acc), emptyRoom());
    const target = fingerprint(merged);
    const stale = apl.filter((_, i) => states[i] && fingerprint(states[i] as RoomState) !== target);
    if (stale.length === 0) return;
    await Promise.allSettled(this.master.command(stale, CHAT, { op: 'merge', room, state: merged }, { timeoutMs: ROOM_TIMEOUT_MS }));
  }

  /** Deliver `event` to each present member once: local connections directly, one message per other node. */
  private fanOut(room: string, targets: Fanout, event: RoomEvent): void {
    const ring = this.rings.current;
    for (const [node, conns] of targets) {
      const byLocal = new Map([...conns].map((c) => [localOf(c), c]));
      const connections = [...byLocal.keys()];
      const evictGone = (gone: readonly string[]) => this.evictGone(room, gone.map((l) => byLocal.get(l)).filter((c): c is string => c !== undefined));
      if (node === this.self) {
        evictGone(this.deliverLocal(event, connections).gone);
        continue;
      }
      const addr = memberOf(ring, node)?.addr;
      if (!addr) continue;
      this.stats.deliverMessages++;
      this.client
        .request(addr, CHAT_DELIVER_PATTERN, { event, connections }, { timeoutMs: DELIVER_TIMEOUT_MS })
        .then((reply) => evictGone((reply as Partial<DeliverReply>)?.gone ?? []))
        .catch((err: unknown) => this.logger.debug(`delivering to ${node} failed: ${(err as Error).message}`));
    }
  }

  /** Connections their node no longer holds are evicted from the room (no one is told: they left when they closed). */
  private evictGone(room: string, conns: readonly string[]): void {
    if (conns.length > 0) void this.write(room, { op: 'evict', room, conns }).catch(() => undefined);
  }

  /**
   * A node died: every replica held here drops its members, and for the rooms this node announces
   * the survivors are told `left` and every replica of the room gets the eviction.
   */
  private async nodeDown(node: string): Promise<void> {
    const up = this.watcher.upNodes(CHAT_SERVICE);
    const announced = new Set<string>();
    for (const index of await this.store.partitionsWithData()) {
      let reply: EvictReply;
      try {
        reply = await this.master.syncCommand({ index, node: this.self }, CHAT, { op: 'evict-node', node }, { timeoutMs: ROOM_TIMEOUT_MS });
      } catch (err) {
        this.logger.warn(`evicting the members of ${node} from partition ${index}: ${(err as Error).message}`);
        continue;
      }
      for (const { room, evicted, targets } of reply.rooms ?? []) {
        if (this.announcer(room, up) !== this.self) continue;
        const fresh = evicted.filter((m) => !announced.has(`${room}\n${m.conn}`));
        if (fresh.length === 0) continue;
        for (const m of fresh) announced.add(`${room}\n${m.conn}`);
        void this.announceEviction(room, fresh, targets);
      }
    }
  }

  private async announceEviction(room: string, gone: readonly MemberEntry[], local: Targets): Promise<void> {
    const targets = mergeTargets(new Map(), local);
    try {
      mergeTargets(targets, (await this.write(room, { op: 'evict', room, conns: gone.map((m) => m.conn) })).targets);
    } catch (err) {
      this.logger.debug(`evicting from ${room}: ${(err as Error).message}`);
    }
    for (const m of gone) targets.get(m.node)?.delete(m.conn);
    for (const name of new Set(gone.map((m) => m.name))) this.fanOut(room, targets, { kind: 'left', room, name });
  }
}
