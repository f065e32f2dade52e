/**
 * The node's chat data: per partition, the replicas of the rooms this node holds (as owner or
 * fallback). Kept in memory — members are live connections and the history is short; durability
 * comes from N=3 replicas, handoff and read repair. It outlives the vnodes (a vnode restarted after
 * a crash finds its rooms here), and it is the one owner of this state: only the chat vnode of a
 * partition reads or writes that partition's map.
 */
import { Injectable } from '@nestjs/common';
import { PartitionIndex } from '@ringnest/riak-core';
import { RoomState } from './room-state';

@Injectable()
export class ChatStore {
  private readonly partitions = new Map<PartitionIndex, Map<string, RoomState>>();

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
