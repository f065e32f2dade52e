/**
 * Members whose connections are gone leave their rooms without having said so.
 *
 * - A node dies: every surviving node evicts its members from the room replicas it holds, and the
 *   first up primary of each room announces them `left` once. When the node is back it is asked
 *   to re-assert its members (`chat.resync`, member-resync.ts).
 * - A room idle past the TTL still lists present members (the expiry sweep finds them): the nodes
 *   holding those members are asked which connections still exist (`chat.held`), and the others
 *   are evicted. A stale copy that brought back a member who left long ago cannot keep a room
 *   alive forever; nobody is told, as those members left long ago.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CLUSTER_CLIENT, ClusterClient, NodeName, NodeWatcher, RingManager, VnodeMaster, isNodeName, memberOf } from '@ringnest/riak-core';
import { Subscription } from 'rxjs';
import { CHAT, CHAT_HELD_PATTERN, CHAT_RESYNC_PATTERN, CHAT_SERVICE, EvictReply, ExpireReply, HeldReply, HeldRequest, Targets, isHeldReply } from './chat-commands';
import { ChatStore } from './chat-store';
import { ConnectionRegistry } from './connection-registry';
import { ROOM_TIMEOUT_MS, RoomCoordinator, mergeTargets } from './room-coordinator';
import { DELIVER_TIMEOUT_MS, RoomFanout } from './room-fanout';
import { MemberEntry } from './room-state';

@Injectable()
export class RoomEvictions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChatRooms');
  private sub: Subscription | undefined;
  /** nodes this node saw die (and evicted the members of): told to re-assert their members when they are back */
  private readonly suspected = new Set<string>();

  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
    private readonly master: VnodeMaster,
    private readonly store: ChatStore,
    private readonly connections: ConnectionRegistry,
    private readonly rooms: RoomCoordinator,
    private readonly fanout: RoomFanout,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
  ) {}

  onModuleInit(): void {
    this.sub = this.watcher.changes$.subscribe((c) => {
      if (c.service !== CHAT_SERVICE || c.node === this.rings.self) return;
      if (!c.up) {
        this.suspected.add(c.node);
        void this.nodeDown(c.node);
      } else if (this.suspected.delete(c.node)) this.askToResync(c.node);
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }

  /**
   * Rooms idle past the TTL that still have present members (from the expiry sweep of this node's
   * replicas): ask each node holding members which of them it still holds in the room (one
   * `chat.held` message per node for all rooms), and evict the others. Every node checks the
   * replicas it holds (a stale copy may be on any one of them).
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
        if (node === this.rings.self) gone = asked.rooms.map(({ room, connections }) => ({ room, connections: this.connections.notHeld(room, connections) }));
        else {
          // a node that is down or gone from the ring: its members are evicted when it is seen down
          // (a name that is no node name is no member either)
          if (!isNodeName(node)) return;
          const addr = memberOf(ring, node)?.addr;
          if (!addr || !up.has(node)) return;
          const reply = await this.client.request(addr, CHAT_HELD_PATTERN, asked, { timeoutMs: DELIVER_TIMEOUT_MS });
          gone = isHeldReply(reply) ? reply.gone : [];
        }
        await Promise.allSettled(gone.filter((g) => g.connections.length > 0).map(({ room, connections }) => this.rooms.write(room, { op: 'evict', room, conns: connections })));
      }),
    );
  }

  private askToResync(node: NodeName): void {
    const addr = memberOf(this.rings.current, node)?.addr;
    if (!addr) return;
    this.client.request(addr, CHAT_RESYNC_PATTERN, { from: this.rings.self }, { timeoutMs: DELIVER_TIMEOUT_MS }).catch((err: unknown) => {
      this.logger.debug(`asking ${node} to re-assert its members failed: ${(err as Error).message}`);
    });
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
        reply = await this.master.syncCommand({ index, node: this.rings.self }, CHAT, { op: 'evict-node', node }, { timeoutMs: ROOM_TIMEOUT_MS });
      } catch (err) {
        this.logger.warn(`evicting the members of ${node} from partition ${index}: ${(err as Error).message}`);
        continue;
      }
      for (const { room, evicted, targets } of reply.rooms ?? []) {
        if (this.rooms.announcer(room, up) !== this.rings.self) continue;
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
      mergeTargets(targets, (await this.rooms.write(room, { op: 'evict', room, conns: gone.map((m) => m.conn) })).targets);
    } catch (err) {
      this.logger.debug(`evicting from ${room}: ${(err as Error).message}`);
    }
    for (const m of gone) targets.get(m.node)?.delete(m.conn);
    for (const name of new Set(gone.map((m) => m.name))) this.fanout.fanOut(room, targets, { kind: 'left', room, name });
  }
}
