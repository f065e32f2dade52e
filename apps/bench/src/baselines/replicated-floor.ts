/**
 * Baseline for `npm run bench -- http`: the least a replicated, durable store must do, written
 * with nothing else, to show what this machine allows for the workload (Ringnest's goals are
 * stated against the single-process baselines, which replicate nothing and write no disk).
 *
 * One of three processes: a bare `node:http` server (the store routes' shape) and a raw TCP
 * listener for its two peers. A PUT is written to this process's LMDB and sent to both peers,
 * each of which writes it to its own LMDB; the answer goes out once two of the three commits are
 * durable (LMDB's synchronous commits, writes of one event turn sharing one commit: N=3, W=2,
 * like the cluster's `?n=3&w=2`). A GET reads locally and asks one peer (each in turn), answering
 * with the two replies (R=2; a read asks no more replicas than it needs, as the cluster's does).
 * Frames written in one turn share one socket write. No versions, no authentication, no
 * membership, no failure handling: a peer that goes away ends the process.
 *
 * Frames: `[u32 length][u8 op][u32 id][u16 key length][key][value]`; ops 1 put, 2 get, 3 put
 * done, 4 get reply (value empty when the key is absent, `found` in the key-length field).
 *
 * Environment: PORT (HTTP), CLUSTER_PORTS (the three cluster ports), INDEX (0..2: this
 * process's), DATA_DIR (its LMDB directory).
 */
import { createServer } from 'node:http';
import { Socket, createServer as createTcpServer } from 'node:net';
import { open } from 'lmdb';
import { json as reply, readJsonBody } from './json-body';
import { connectPeer } from './peer-link';
import { readLengthFrames, turnWriter } from './length-frames';

const PUT = 1;
const GET = 2;
const PUT_DONE = 3;
const GET_REPLY = 4;
const HEADER = 4 + 1 + 4 + 2;
const MAX_FRAME = 2 << 20;
const KEY = /^\/api\/store\/([^/?]+)/;

const clusterPorts = (process.env['CLUSTER_PORTS'] ?? '').split(',').map(Number);
const self = Number(process.env['INDEX']);
if (clusterPorts.length !== 3 || !clusterPorts.every((p) => p > 0) || ![0, 1, 2].includes(self)) throw new Error('CLUSTER_PORTS (three ports) and INDEX (0..2) are required');
const db = open<Buffer, Buffer>({ path: process.env['DATA_DIR'] ?? '', overlappingSync: false, encoding: 'binary', keyEncoding: 'binary' });

function frame(op: number, id: number, key: Buffer | number, value?: Buffer): Buffer {
  const keyLength = typeof key === 'number' ? 0 : key.length;
  const valueLength = value?.length ?? 0;
  const out = Buffer.allocUnsafe(HEADER + keyLength + valueLength);
  out.writeUInt32BE(out.length - 4, 0);
  out.writeUInt8(op, 4);
  out.writeUInt32BE(id, 5);
  out.writeUInt16BE(typeof key === 'number' ? key : keyLength, 9);
  if (typeof key !== 'number') key.copy(out, HEADER);
  value?.copy(out, HEADER + keyLength);
  return out;
}

/** Frames of one socket: each handed to `onFrame` as `(op, id, key field, value)`; the key field is the key's bytes for requests. */
function readFrames(socket: Socket, onFrame: (op: number, id: number, keyField: Buffer, keyLength: number, value: Buffer) => void): void {
  readLengthFrames(
    socket,
    (f) => {
      const keyLength = f.readUInt16BE(9);
      const op = f.readUInt8(4);
      const keyBytes = op === PUT || op === GET ? keyLength : 0;
      onFrame(op, f.readUInt32BE(5), f.subarray(HEADER, HEADER + keyBytes), keyLength, f.subarray(HEADER + keyBytes));
    },
    { min: HEADER - 4, max: MAX_FRAME },
  );
}

createTcpServer((socket) => {
  socket.setNoDelay(true);
  const send = turnWriter(socket);
  readFrames(socket, (op, id, key, _keyLength, value) => {
    if (op === PUT) {
      // its own copies: lmdb-js may read the bytes after this turn
      void db.put(Buffer.from(key), Buffer.from(value)).then(() => send(frame(PUT_DONE, id, 0)));
    } else if (op === GET) {
      const found = db.get(key);
      send(frame(GET_REPLY, id, found ? 1 : 0, found));
    }
  });
}).listen(clusterPorts[self], '127.0.0.1');

type Reply = (found: Buffer | undefined) => void;
const waiting = new Map<number, Reply>();
let nextId = 1;
const peers: ((bytes: Buffer) => void)[] = [];
let connected = 0;

/** Replies from a connected peer, and the writer of requests to it. */
function start(socket: Socket): void {
  readFrames(socket, (op, id, _key, keyField, value) => {
    const reply = waiting.get(id);
    waiting.delete(id);
    reply?.(op === GET_REPLY && keyField === 1 ? Buffer.from(value) : undefined);
  });
  peers.push(turnWriter(socket));
}

/** Send a request to one peer; its reply (or done) calls `reply`. */
function toPeer(send: (bytes: Buffer) => void, op: number, key: Buffer, value: Buffer | undefined, reply: Reply): void {
  const id = nextId++;
  waiting.set(id, reply);
  send(frame(op, id, key, value));
}
let nextPeer = 0;

const server = createServer((req, res) => {
  const json = (status: number, body: string) => reply(res, status, body);
  if (req.url === '/health') return connected === 2 ? json(200, '{"status":"ok"}') : json(503, '{"status":"connecting"}');
  const m = KEY.exec(req.url ?? '');
  if (!m) return json(404, '{"error":"not found"}');
  const key = Buffer.from(decodeURIComponent(m[1]), 'utf8');
  if (req.method === 'GET') {
    let replies = 0;
    let value: Buffer | undefined;
    const answer: Reply = (found) => {
      value ??= found;
      if (++replies !== 2) return;
      if (value === undefined) json(404, '{"error":"not found"}');
      else json(200, `{"value":${value.toString('utf8')}}`);
    };
    toPeer(peers[nextPeer++ % peers.length], GET, key, undefined, answer);
    answer(db.get(key));
    return;
  }
  if (req.method !== 'PUT') return json(405, '{"error":"method not allowed"}');
  readJsonBody(req, res, (body) => {
    let acks = 0;
    const done = () => void (++acks === 2 && json(200, '{"ok":true}'));
    for (const send of peers) toPeer(send, PUT, key, body, done);
    void db.put(key, body).then(done);
  });
});

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
const onPeer = (socket: Socket) => {
  connected++;
  start(socket);
};
clusterPorts.forEach((port, i) => i !== self && connectPeer(port, onPeer));
process.on('SIGTERM', () => process.exit(0));
