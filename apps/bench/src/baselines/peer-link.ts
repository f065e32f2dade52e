/**
 * The floors' links between their three processes (baselines/replicated-floor.ts and
 * chat-fanout-floor.ts): no membership and no failure handling, so a lost peer ends the process.
 */
import { Socket, connect } from 'node:net';

/** Connect to a peer on 127.0.0.1, retrying every 100 ms for up to 30 s while it starts; once connected, losing it ends the process. */
export function connectPeer(port: number, onUp: (socket: Socket) => void, tries = 300): void {
  const socket = connect(port, '127.0.0.1');
  let up = false;
  socket.setNoDelay(true);
  socket.once('connect', () => {
    up = true;
    onUp(socket);
  });
  socket.on('error', () => undefined); // 'close' follows
  socket.on('close', () => {
    if (up || tries <= 1) process.exit(1);
    setTimeout(() => connectPeer(port, onUp, tries - 1), 100);
  });
}
