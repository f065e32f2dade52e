/**
 * What the bench's bare TCP links share: frames that start with their length (u32, big-endian,
 * not counting itself), read from a socket in order, and a writer that sends what one event turn
 * writes in one socket write.
 */
import type { Socket } from 'node:net';

/**
 * Hands every complete frame of `socket` to `onFrame`, length field included; a length outside
 * `min`..`max` destroys the socket.
 */
export function readLengthFrames(socket: Socket, onFrame: (frame: Buffer) => void, bounds: { readonly min: number; readonly max: number }): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > bounds.max || length < bounds.min) return void socket.destroy();
      if (pending.length < 4 + length) break;
      onFrame(pending.subarray(0, 4 + length));
      pending = pending.subarray(4 + length);
    }
  });
}

/** Writes of one event turn leave in one socket write. */
export function turnWriter(socket: Socket): (bytes: Buffer) => void {
  let corked = false;
  return (bytes) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(bytes);
  };
}
