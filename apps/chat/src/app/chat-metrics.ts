/**
 * The chat node's metrics, added to the node's `/metrics` (riak-core's `MetricsRegistry`) and read
 * at scrape time from the providers that own the state: open connections by transport, clients
 * refused at the connection cap, room replicas held and dropped by expiry, events written to local
 * connections, and `chat.deliver` messages sent to other nodes (one per node per fan-out).
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MetricsRegistry } from '@ringnest/riak-core';
import { Counter, Gauge } from 'prom-client';
import { LineServer } from '../line-server';
import { ChatStore, ConnectionRegistry, RoomFanout } from '../rooms';
import { ConnectionSlots } from '../session';
import { ChatGateway } from '../web';

@Injectable()
export class ChatMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const get = <T>(type: new (...args: never[]) => T): T => this.moduleRef.get(type, { strict: false });
    const registers = [this.registry];
    new Gauge({
      name: 'ringnest_chat_connections',
      help: 'Open chat client connections on this node by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        this.set({ transport: 'tcp' }, get(LineServer).connectionCount);
        this.set({ transport: 'ws' }, get(ChatGateway).connectionCount);
      },
    });
    new Gauge({
      name: 'ringnest_chat_room_replicas',
      help: 'Room replicas held by the chat vnodes of this node',
      registers,
      collect() {
        this.set(get(ChatStore).roomReplicas());
      },
    });
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    total('ringnest_chat_events_delivered_total', 'Room events written to connections of this node', () => get(ConnectionRegistry).stats.delivered);
    total('ringnest_chat_connections_refused_total', 'Chat clients refused because the node had as many connections as it may (TCP and WebSocket)', () => get(ConnectionSlots).refused);
    total('ringnest_chat_rooms_expired_total', 'Room replicas this node dropped because the room expired (no members, idle past the TTL)', () => get(ChatStore).stats.expired);
    total('ringnest_chat_deliver_messages_total', 'chat.deliver messages this node sent to other nodes (one per node per fan-out)', () => get(RoomFanout).stats.deliverMessages);
  }
}
