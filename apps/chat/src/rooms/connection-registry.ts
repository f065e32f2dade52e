/**
 * This node's chat connections: the one owner of which rooms each is in, under which name and
 * with which member entry version (the replicas only route). Writes room events to the local
 * connections a fan-out names, and says which named connections it no longer holds.
 *
 * A connection's cluster-unique id is `<boot id>.<local id>`: the boot id is fresh at every start,
 * so a connection of an earlier run of this node is never mistaken for one of this run.
 */
import { Injectable } from '@nestjs/common';
import { RingManager } from '@ringnest/riak-core';
import { randomBytes } from 'node:crypto';
import { DeliverReply } from './chat-commands';
import { ChatStore } from './chat-store';
import { ConnectionId, Deliver, RoomEvent } from './room-directory';
import { MemberEntry } from './room-state';

/** The connection id on its node, from a cluster-unique id (`<boot id>.<local id>`). */
export const localOf = (conn: string): string => conn.slice(conn.indexOf('.') + 1);

export interface LocalConnection {
  readonly deliver: Deliver;
  /** room → this connection's current entry there */
  readonly rooms: Map<string, MemberEntry>;
}

@Injectable()
export class ConnectionRegistry {
  /** makes connection and message ids unique across restarts of this node */
  readonly bootId = randomBytes(6).toString('base64url');
  private readonly connections = new Map<ConnectionId, LocalConnection>();
  private version = 0;
  /** running total for /metrics: events written to this node's connections */
  readonly stats = { delivered: 0 };

  constructor(
    private readonly rings: RingManager,
    private readonly store: ChatStore,
  ) {}

  get self(): string {
    return this.rings.self;
  }

  /** Connections held here. */
  get size(): number {
    return this.connections.size;
  }

  attach(connection: ConnectionId, deliver: Deliver): void {
    this.connections.set(connection, { deliver, rooms: new Map() });
  }

  remove(connection: ConnectionId): void {
    this.connections.delete(connection);
  }

  get(connection: ConnectionId): LocalConnection | undefined {
    return this.connections.get(connection);
  }

  /** An attached connection (attaching comes before any other call for it). */
  local(connection: ConnectionId): LocalConnection {
    const local = this.connections.get(connection);
    if (!local) throw new Error(`connection ${connection} is not attached`);
    return local;
  }

  /** A snapshot of the connections, to walk while they change. */
  all(): [ConnectionId, LocalConnection][] {
    return [...this.connections];
  }

  /** A new member entry of the connection, its version above every earlier one of this node. */
  entry(connection: ConnectionId, name: string, present: boolean): MemberEntry {
    return { conn: `${this.bootId}.${connection}`, node: this.self, name, v: ++this.version, present, at: this.store.options.now() };
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
}
