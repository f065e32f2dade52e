/**
 * The fan-out of a room event to its members: one batched `chat.deliver` message per node holding
 * member connections (this node's own written directly), then each node writes to its own
 * sockets. Each connection is one member entry, so a member gets every event exactly once. A
 * connection that its node reports gone is evicted from the room.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLUSTER_CLIENT, ClusterClient, RingManager, isNodeName, memberOf } from '@ringnest/riak-core';
import { CHAT_DELIVER_PATTERN, DeliverReply } from './chat-commands';
import { ConnectionRegistry, localOf } from './connection-registry';
import { RoomEvent } from './room-directory';
import { Fanout, RoomCoordinator } from './room-coordinator';

export const DELIVER_TIMEOUT_MS = 5000;

@Injectable()
export class RoomFanout {
  private readonly logger = new Logger('ChatRooms');
  /** running total for /metrics: `chat.deliver` messages sent to other nodes */
  readonly stats = { deliverMessages: 0 };

  constructor(
    private readonly rings: RingManager,
    private readonly connections: ConnectionRegistry,
    private readonly rooms: RoomCoordinator,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
  ) {}

  /** Deliver `event` to each present member once: local connections directly, one message per other node. */
  fanOut(room: string, targets: Fanout, event: RoomEvent): void {
    const ring = this.rings.current;
    for (const [node, conns] of targets) {
      const byLocal = new Map([...conns].map((c) => [localOf(c), c]));
      const connections = [...byLocal.keys()];
      const evictGone = (gone: readonly string[]) => this.evictGone(room, gone.map((l) => byLocal.get(l)).filter((c): c is string => c !== undefined));
      if (node === this.rings.self) {
        evictGone(this.connections.deliverLocal(event, connections).gone);
        continue;
      }
      // a member's node as the room state holds it: one that is no node name is no member of the ring either
      const addr = isNodeName(node) ? memberOf(ring, node)?.addr : undefined;
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
    if (conns.length > 0) void this.rooms.write(room, { op: 'evict', room, conns }).catch(() => undefined);
  }
}
