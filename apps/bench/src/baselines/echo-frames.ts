/**
 * The bare side of `npm run bench -- transport`: requests and replies as length-prefixed msgpack
 * frames, with the cluster transport's own codec (the same bounded encoder and decoder), so the
 * difference between the two sides is the transport around it.
 */
import type { Socket } from 'node:net';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { readLengthFrames } from './length-frames';

/** The pattern the echo server answers on the cluster transport. */
export const ECHO_PATTERN = 'bench.echo';

export function framed(message: unknown): Buffer {
  const body = encodeMsgpack(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export function frameReader(socket: Socket, onMessage: (m: unknown) => void): void {
  readLengthFrames(socket, (frame) => onMessage(decodeMsgpack(frame.subarray(4))), { min: 1, max: 1 << 20 });
}
