/**
 * The node's chat data: per partition, the replicas of the rooms this node holds (as owner or
 * fallback), and the retention rule they are kept under (`ChatRoomsOptions`). Kept in memory —
 * members are live connections and the history is short; durability comes from N=3 replicas,
 * handoff and read repair. It outlives the vnodes (a vnode restarted after a crash finds its rooms
 * here), and it is the one owner of this state: only the chat vnode of a partition reads or writes
 * that partition's map.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { PartitionIndex } from '@ringnest/riak-core';
import { RoomState } from './room-state';

/** a room with no present member and no write for this long is dropped by every replica */
export const DEFAULT_ROOM_TTL_MS = 60 * 60 * 1000;
/** the longest time between two sweeps for expired rooms */
export const MAX_SWEEP_INTERVAL_MS = 60 * 1000;

export interface ChatRoomsOptions {
  /** a room with no present member and no write (join, leave, message) for this long expires */
  readonly roomTtlMs: number;
  /** how often each node sweeps its replicas for expired rooms (default: a quarter of the TTL, at most a minute) */
  readonly sweepIntervalMs: number;
  /** the clock (ms since the epoch) replicas judge expiry by; tests replace it */
  readonly now: () => number;
}

/** Provide a `Partial<ChatRoomsOptions>` under this token (in a global module) to configure the rooms; defaults otherwise. */
export const CHAT_ROOMS_OPTIONS = Symbol('CHAT_ROOMS_OPTIONS');

export function chatRoomsOptions(partial: Partial<ChatRoomsOptions> = {}): ChatRoomsOptions {
  const roomTtlMs = partial.roomTtlMs ?? DEFAULT_ROOM_TTL_MS;
  return {
    roomTtlMs,
    sweepIntervalMs: partial.sweepIntervalMs ?? Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(10, Math.floor(roomTtlMs / 4))),
    now: partial.now ?? Date.now,
  };
}

@Injectable()
export class ChatStore {
  readonly options: ChatRoomsOptions;
  /** running total for /metrics: room replicas dropped because they expired */
  readonly stats = { expired: 0 };
  private readonly partitions = new Map<PartitionIndex, Map<string, RoomState>>();

  constructor(@Optional() @Inject(CHAT_ROOMS_OPTIONS) options?: Partial<ChatRoomsOptions>) {
    this.options = chatRoomsOptions(options);
  }

  partition(index: PartitionIndex): Map<string, RoomState> {
    let rooms = this.partitions.get(index);
    if (!rooms) {
      rooms = new Map();
      this.partitions.set(index, rooms);
    }
    return rooms;
  }

  drop(index: PartitionIndex): void {
    this.partitions.delete(index);
  }

  /** Room replicas held on this node (as owner or fallback). */
  roomReplicas(): number {
    let n = 0;
    for (const rooms of this.partitions.values()) n += rooms.size;
    return n;
  }

  /** Partitions holding rooms (the handoff manager hands fallback data back from these). */
  async partitionsWithData(): Promise<PartitionIndex[]> {
    return [...this.partitions].filter(([, rooms]) => rooms.size > 0).map(([index]) => index);
  }
}
