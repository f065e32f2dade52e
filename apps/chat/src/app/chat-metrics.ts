/**
 * The chat node's metrics, added to the node's `/metrics` (riak-core's `MetricsRegistry`) and read
 * at scrape time from the providers that own the state: open connections by transport, room
 * replicas held, events written to local connections, and `chat.deliver` messages sent to other
 * nodes (one per node per fan-out).
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MetricsRegistry } from '@ringnest/riak-core';
import { Counter, Gauge } from 'prom-client';
import { LineServer } from '../line-server';
import { ChatStore, RingRoomDirectory } from '../rooms';
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
    total('ringnest_chat_events_delivered_total', 'Room events written to connections of this node', () => get(RingRoomDirectory).stats.delivered);
    total('ringnest_chat_deliver_messages_total', 'chat.deliver messages this node sent to other nodes (one per node per fan-out)', () => get(RingRoomDirectory).stats.deliverMessages);
  }
}
