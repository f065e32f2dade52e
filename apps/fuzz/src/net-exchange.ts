/**
 * One TCP conversation with a node, byte for byte: connect, write the given pieces (with optional
 * pauses between them, for slow dribbles), then wait until the server closes, until the bytes
 * received satisfy a condition, or until a deadline, and hang up. Nothing here interprets bytes.
 */
import { Socket, connect } from 'node:net';

/** Bytes to write, or a pause in milliseconds. */
export type Piece = Buffer | number;

export interface ExchangeOptions {
  readonly port: number;
  readonly localAddress?: string;
  readonly pieces: readonly Piece[];
  /** how long to wait after the last piece */
  readonly waitMs: number;
  /** stop waiting as soon as this holds for the bytes received so far */
  readonly until?: (received: Buffer) => boolean;
}

export interface Exchange {
  readonly received: Buffer;
  /** the server ended the connection (FIN or reset) before we hung up */
  readonly closedByServer: boolean;
  /** the condition held before the deadline */
  readonly satisfied: boolean;
  /** a connect error, if the connection never opened */
  readonly connectError?: string;
}

function opened(port: number, localAddress: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

export async function exchange(o: ExchangeOptions): Promise<Exchange> {
  let socket: Socket;
  try {
    socket = await opened(o.port, o.localAddress);
  } catch (err) {
    return { received: Buffer.alloc(0), closedByServer: true, satisfied: false, connectError: (err as Error).message };
  }
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  let size = 0;
  let closed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.on('data', (c: Buffer) => {
    if (size < 4 * 1024 * 1024) chunks.push(c);
    size += c.length;
    poke();
  });
  socket.on('error', () => undefined);
  socket.once('close', () => {
    closed = true;
    poke();
  });
  socket.on('drain', poke);
  const received = () => Buffer.concat(chunks);
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  try {
    for (const piece of o.pieces) {
      if (closed) break;
      if (typeof piece === 'number') {
        await new Promise((r) => setTimeout(r, piece));
        continue;
      }
      if (!socket.write(piece)) {
        // respect backpressure, but a server that stopped reading must not hold us for long
        const deadline = Date.now() + 2000;
        while (!closed && socket.writableNeedDrain && Date.now() < deadline) await sleep(deadline - Date.now());
        if (socket.writableNeedDrain) break;
      }
    }
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      if (o.until?.(received())) return { received: received(), closedByServer: closed, satisfied: true };
      if (closed || Date.now() >= deadline) break;
      await sleep(deadline - Date.now());
    }
    return { received: received(), closedByServer: closed, satisfied: false };
  } finally {
    socket.destroy();
  }
}
