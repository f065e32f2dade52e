/**
 * Room expiry on this node. Every `sweepIntervalMs` each chat vnode holding rooms here (as owner or
 * fallback) forgets its expired tombstones and drops its expired rooms by its own clock (the vnode
 * command `expire`), and the members of rooms idle past the TTL are checked with the nodes holding
 * them (`RoomEvictions.verifyIdleMembers`). Every node sweeps the replicas it holds, so an
 * expired room is deleted on every replica; the vnodes also drop an expired room on first access,
 * so what clients see does not wait for a sweep.
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RingManager, VnodeMaster } from '@ringnest/riak-core';
import { CHAT, ExpireReply } from './chat-commands';
import { ChatStore } from './chat-store';
import { RoomEvictions } from './room-evictions';

const EXPIRE_TIMEOUT_MS = 5000;

@Injectable()
export class RoomSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChatRoomSweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: ChatStore,
    private readonly master: VnodeMaster,
    private readonly rings: RingManager,
    private readonly evictions: RoomEvictions,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn(`room sweep failed: ${(err as Error).message}`));
    }, this.store.options.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One sweep of this node's replicas; resolves to the room replicas dropped. A call during a sweep shares it. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    let expired = 0;
    const idle: ExpireReply['idle'][number][] = [];
    for (const index of await this.store.partitionsWithData()) {
      try {
        const reply = await this.master.syncCommand({ index, node: this.rings.self }, CHAT, { op: 'expire' }, {
          timeoutMs: EXPIRE_TIMEOUT_MS,
        });
        expired += reply.expired;
        idle.push(...reply.idle);
      } catch (err) {
        this.logger.debug(`expiring rooms of partition ${index}: ${(err as Error).message}`);
      }
    }
    if (idle.length > 0) await this.evictions.verifyIdleMembers(idle);
    return expired;
  }
}
