/**
 * The node's wall clock for time that goes into data: the one owner of the clock offset that fault
 * injection sets (FAULTS=1; 0 otherwise), so a test can run a node whose clock is off by minutes.
 *
 * Read through `now()` (offset applied): the KV object's `updatedAt` (a coordinated write, a
 * delete's tombstone, a read repair's merged object: last-writer-wins compares it across nodes)
 * and the chat rooms' activity time (room expiry across replicas).
 * Not through it: intervals a node measures against itself (request and quorum deadlines, liveness,
 * gossip pacing, handoff retry times and rates, vnode idle time) and the ping key; an offset set
 * while they run would stretch or cut them, and no other node ever sees them.
 */
import { Injectable } from '@nestjs/common';

/** An offset beyond a day either way is refused. */
export const MAX_CLOCK_OFFSET_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class NodeClock {
  private offset = 0;

  /** Milliseconds since the epoch, as this node believes: the system clock plus the offset. */
  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Throws RangeError for a non-integer offset or one beyond ±MAX_CLOCK_OFFSET_MS. */
  setOffset(ms: number): void {
    if (!Number.isInteger(ms) || Math.abs(ms) > MAX_CLOCK_OFFSET_MS) throw new RangeError(`clock offset must be an integer within ±${MAX_CLOCK_OFFSET_MS} ms, got ${ms}`);
    this.offset = ms;
  }
}
