/**
 * Re-asserting this node's members after another node thought it dead and evicted them
 * (room-evictions.ts asks with `chat.resync` once it sees this node up again).
 */
import { Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { RoomCoordinator } from './room-coordinator';
import { RoomFanout } from './room-fanout';

const RESYNC_PASSES = 10;
const RESYNC_RETRY_MS = 1000;

@Injectable()
export class MemberResync {
  private readonly logger = new Logger('ChatRooms');
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly rooms: RoomCoordinator,
    private readonly fanout: RoomFanout,
  ) {}

  /**
   * Re-assert every membership of this node's connections with newer versions. A member the
   * replicas no longer had is announced as joined. Requests that arrive while one runs are folded
   * into one more pass; a room that was unavailable, or whose primaries this node does not see up
   * yet, is retried a second later (at most RESYNC_PASSES passes; the last one writes wherever the
   * preference list points).
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
        for (const [connection, local] of this.connections.all()) {
          for (const [room, current] of [...local.rooms]) {
            const key = `${connection}\n${room}`;
            if (done.has(key)) continue;
            // Wait (a pass or a few) until this node sees the room's primaries again: written to
            // fallbacks only, the eviction the primaries hold would be missed and nobody told.
            if (!last && this.rooms.apl(room).some((e) => e.type === 'fallback')) {
              pending = true;
              continue;
            }
            const entry = this.connections.entry(connection, current.name, true);
            local.rooms.set(room, entry);
            try {
              const { targets, was } = await this.rooms.write(room, { op: 'member', room, entry }, true);
              if (!was) this.fanout.fanOut(room, targets, { kind: 'joined', room, name: current.name });
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
}
