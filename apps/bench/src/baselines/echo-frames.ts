/**
 * Length-prefixed msgpack frames for the bare side of the transport bench, with the cluster
 * transport's own codec (the same bounded encoder and decoder), so the difference between the two
 * sides is the transport around it. No frame bound: the bench talks only to itself.
 */
import type { Socket } from 'node:net';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';

export function framed(message: unknown): Buffer {
  const body = encodeMsgpack(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export function frameReader(socket: Socket, onMessage: (m: unknown) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length > 0 ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const size = buffered.readUInt32BE(0);
      if (buffered.length < 4 + size) break;
      onMessage(decodeMsgpack(buffered.subarray(4, 4 + size)));
      buffered = buffered.subarray(4 + size);
    }
  });
}
