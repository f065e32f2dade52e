/**
 * Baseline for `npm run bench -- chat`: the least a chat server spread over three processes must
 * do to fan one message out to every member of a room, written with nothing else, to show what
 * this machine allows for the fan-out goal (say → last delivery), measured by the same clients.
 *
 * One of three processes: a TCP line server for clients and a raw TCP link to its two peers. It
 * speaks just enough of the Zap chat line protocol for the bench: the greeting, `set-name <name>`,
 * `join <room>` and `say <room> <text>`. A say is sent to both peers (one line on each link) and
 * written to this process's members of the room; a peer writes it to its own members. The line a
 * member gets is encoded once per message and the same bytes written to every socket: one socket
 * write per member, the floor of a TCP fan-out. No ring, no replicas, no history, no
 * authentication, no failure handling: a peer that goes away ends the process.
 *
 * Environment: PORT (HTTP, `/health` only), CHAT_PORT (clients), CLUSTER_PORTS (the three peer
 * ports), INDEX (0..2: this process's).
 */
import { createServer } from 'node:http';
import { Socket, createServer as createTcpServer } from 'node:net';
import { connectPeer } from './peer-link';

const PROMPT = '> ';
/** a client line or a peer line longer than this ends its connection */
const MAX_LINE = 4096;

const clusterPorts = (process.env['CLUSTER_PORTS'] ?? '').split(',').map(Number);
const self = Number(process.env['INDEX']);
if (clusterPorts.length !== 3 || !clusterPorts.every((p) => p > 0) || ![0, 1, 2].includes(self)) throw new Error('CLUSTER_PORTS (three ports) and INDEX (0..2) are required');

/** room → this process's member sockets */
const rooms = new Map<string, Set<Socket>>();
const peers: Socket[] = [];
let connected = 0;

/** Split a socket's bytes into lines (latin1, as the chat protocol), each handed to `onLine`. */
function readLines(socket: Socket, onLine: (line: string) => void): void {
  let rest = '';
  socket.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('latin1')).split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > MAX_LINE) return void socket.destroy();
    for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
}

/** Write a room's message to this process's members: one encoding, one write per member. */
function deliver(room: string, from: string, text: string): void {
  const members = rooms.get(room);
  if (!members) return;
  const bytes = Buffer.from(`${room} - ${from}: ${text}\n${PROMPT}`, 'latin1');
  for (const member of members) member.write(bytes);
}

createTcpServer((socket) => {
  socket.setNoDelay(true);
  let name: string | undefined;
  const joined = new Set<string>();
  socket.on('error', () => undefined); // 'close' follows
  socket.on('close', () => joined.forEach((room) => rooms.get(room)?.delete(socket)));
  socket.write(`connected! welcome to the fan-out floor\n${PROMPT}`, 'latin1');
  readLines(socket, (line) => {
    const space = line.indexOf(' ');
    const command = space < 0 ? line : line.slice(0, space);
    const arg = space < 0 ? '' : line.slice(space + 1);
    if (command === 'set-name' && arg) {
      name = arg;
      socket.write(`ok your name is ${name}\n${PROMPT}`, 'latin1');
    } else if (command === 'join' && arg && name) {
      joined.add(arg);
      let members = rooms.get(arg);
      if (!members) rooms.set(arg, (members = new Set()));
      members.add(socket);
      socket.write(`joined ${arg}! 'say ${arg} <message>' to chat\n${PROMPT}`, 'latin1');
    } else if (command === 'say' && name) {
      const cut = arg.indexOf(' ');
      if (cut < 0) return void socket.write(`usage: say <room> <message>\n${PROMPT}`, 'latin1');
      const room = arg.slice(0, cut);
      const text = arg.slice(cut + 1);
      const toPeers = `${room}\t${name}\t${text}\n`;
      for (const peer of peers) peer.write(toPeers, 'latin1');
      deliver(room, name, text);
    } else {
      socket.write(`unknown command\n${PROMPT}`, 'latin1');
    }
  });
}).listen(Number(process.env['CHAT_PORT'] ?? 0), '127.0.0.1');

// peers' says: `<room>\t<from>\t<text>`
createTcpServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  readLines(socket, (line) => {
    const [room, from, text] = line.split('\t');
    if (text !== undefined) deliver(room, from, text);
  });
}).listen(clusterPorts[self], '127.0.0.1');

createServer((req, res) => {
  const ok = req.url === '/health' && connected === 2;
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(ok ? '{"status":"ok"}' : '{"status":"connecting"}');
}).listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
const onPeer = (socket: Socket) => {
  connected++;
  peers.push(socket);
};
clusterPorts.forEach((port, i) => i !== self && connectPeer(port, onPeer));
process.on('SIGTERM', () => process.exit(0));
