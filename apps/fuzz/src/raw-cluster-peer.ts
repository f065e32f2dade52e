/**
 * A cluster peer that writes whatever bytes it is told to, before and after a real handshake: the
 * client side of cluster protocol v3 (libs/riak-core/PROTOCOL.md#handshake and
 * libs/riak-core/PROTOCOL.md#session-records) written from the document, because `@ringnest/riak-core` exports the transport's client
 * (`TcpClusterClient`, which only ever sends well-formed frames) but not its framing. It proves the
 * cluster secret, checks the server's proof, seals session records with the session MAC and
 * opens the server's; a node that accepts it is therefore also evidence that the document matches the code.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Socket, connect } from 'node:net';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';

const HEADER = 4;
const TAG = 16;
const PRE_AUTH_MAX = 4096;
const VERSION = 3;

export interface PeerMessage {
  readonly t: string;
  readonly [field: string]: unknown;
}

/** One frame: 4-byte big-endian length, then the payload. */
export function plainFrame(payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(HEADER + payload.length);
  b.writeUInt32BE(payload.length, 0);
  b.set(payload, HEADER);
  return b;
}

function hmacHex(secret: string, parts: readonly string[]): string {
  return createHmac('sha256', secret).update(parts.join('|'), 'utf8').digest('hex');
}

function tag(key: Buffer, seq: number, frames: Uint8Array): Buffer {
  const counter = Buffer.alloc(8);
  counter.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 0);
  counter.writeUInt32BE(seq >>> 0, 4);
  return createHmac('sha256', key).update(counter).update(frames).digest().subarray(0, TAG);
}

export class PeerClosedError extends Error {}

/**
 * One connection to a node's CLUSTER_PORT. Frames the server sends are parsed as they arrive;
 * `next()` waits for the next message, `closed` resolves when the server ends the connection.
 */
export class RawClusterPeer {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly inbox: PeerMessage[] = [];
  private waiter: (() => void) | undefined;
  private protocolError: string | undefined;
  private sendKey: Buffer | undefined;
  private receiveKey: Buffer | undefined;
  private sendSeq = 0;
  private receiveSeq = 0;
  /** every sealed frame sent, for replays */
  readonly sent: Buffer[] = [];
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, localAddress = '127.0.0.1', timeoutMs = 5000): Promise<RawClusterPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RawClusterPeer(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** A frame the server sent that breaks the protocol (it must never happen), or undefined. */
  get violation(): string | undefined {
    return this.protocolError;
  }

  get inSession(): boolean {
    return this.sendKey !== undefined;
  }

  /** Complete the handshake as `node` with `secret`; throws if the server refuses or cannot prove the secret. */
  async authenticate(node: string, secret: string, timeoutMs = 5000): Promise<void> {
    const challenge = await this.next(timeoutMs);
    if (challenge.t !== 'challenge' || typeof challenge['nonce'] !== 'string' || typeof challenge['node'] !== 'string') {
      throw new Error(`expected a challenge, got ${JSON.stringify(challenge).slice(0, 200)}`);
    }
    const serverNonce = challenge['nonce'];
    const serverNode = challenge['node'];
    const clientNonce = randomBytes(32).toString('hex');
    const proof = hmacHex(secret, ['ringnest-c', serverNonce, clientNonce, node, serverNode]);
    this.write(plainFrame(encodeMsgpack({ t: 'auth', v: VERSION, node, nonce: clientNonce, proof })));
    const welcome = await this.next(timeoutMs);
    if (welcome.t !== 'welcome') throw new Error(`expected a welcome, got ${JSON.stringify(welcome).slice(0, 200)}`);
    const expected = Buffer.from(hmacHex(secret, ['ringnest-s', clientNonce, serverNonce, serverNode, node]), 'utf8');
    const got = Buffer.from(String(welcome['proof']), 'utf8');
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) throw new Error('the server did not prove the cluster secret');
    const salt = Buffer.from([serverNonce, clientNonce, node, serverNode].join('|'), 'utf8');
    const key = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), salt, info, 32));
    this.sendKey = key('ringnest-v3-mac-c2s');
    this.receiveKey = key('ringnest-v3-mac-s2c');
  }

  /** Raw bytes, as they are. */
  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** A session record carrying `bodies` (each framed by its length), with a valid tag. */
  sealed(...bodies: Uint8Array[]): Buffer {
    return this.sealedFrames(Buffer.concat(bodies.map((body) => plainFrame(body))));
  }

  /** A session record whose frames are `frames` as given (they need not add up), with a valid tag. */
  sealedFrames(frames: Uint8Array): Buffer {
    if (!this.sendKey) throw new Error('not authenticated');
    const record = plainFrame(Buffer.concat([frames, tag(this.sendKey, this.sendSeq, frames)]));
    this.sendSeq++;
    this.sent.push(record);
    return record;
  }

  /** The next message from the server; rejects with PeerClosedError if the connection ends first. */
  async next(timeoutMs: number): Promise<PeerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      if (this.isClosed) throw new PeerClosedError('the server closed the connection');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Messages received and not yet taken. */
  pending(): readonly PeerMessage[] {
    return this.inbox;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private receive(chunk: Buffer): void {
    if (this.protocolError) return;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= HEADER) {
      const length = this.buffered.readUInt32BE(0);
      const limit = this.receiveKey ? 64 * 1024 * 1024 + HEADER + TAG : PRE_AUTH_MAX;
      if (length === 0 || length > limit) return this.fail(`the server sent a frame of ${length} bytes`);
      if (this.buffered.length < HEADER + length) return;
      const payload = this.buffered.subarray(HEADER, HEADER + length);
      this.buffered = this.buffered.subarray(HEADER + length);
      if (!this.receiveKey) {
        if (!this.take(payload)) return;
        continue;
      }
      if (payload.length <= TAG) return this.fail('the server sent a session record without a frame');
      const frames = payload.subarray(0, payload.length - TAG);
      if (!timingSafeEqual(tag(this.receiveKey, this.receiveSeq, frames), payload.subarray(payload.length - TAG))) return this.fail(`server record ${this.receiveSeq} failed its MAC check`);
      this.receiveSeq++;
      for (let at = 0; at < frames.length; ) {
        const size = at + HEADER <= frames.length ? frames.readUInt32BE(at) : -1;
        if (size <= 0 || at + HEADER + size > frames.length) return this.fail(`the server sent a record whose frames do not add up (at byte ${at})`);
        if (!this.take(frames.subarray(at + HEADER, at + HEADER + size))) return;
        at += HEADER + size;
      }
    }
  }

  /** One message body from the server, checked and put in the inbox; false once the server broke the protocol. */
  private take(body: Uint8Array): boolean {
    let message: unknown;
    try {
      message = decodeMsgpack(body);
    } catch (err) {
      this.fail(`the server sent a body that is not msgpack: ${(err as Error).message}`);
      return false;
    }
    const m = message as PeerMessage | null;
    if (!m || typeof m !== 'object' || typeof m.t !== 'string' || m['v'] !== VERSION) {
      this.fail(`the server sent ${JSON.stringify(message).slice(0, 200)}`);
      return false;
    }
    const allowed = this.receiveKey ? ['res', 'err', 'bye'] : ['challenge', 'welcome', 'bye'];
    if (!allowed.includes(m.t)) {
      this.fail(`the server sent '${m.t}' ${this.receiveKey ? 'in session' : 'before authentication'}`);
      return false;
    }
    this.inbox.push(m);
    this.wake();
    return true;
  }

  private fail(why: string): void {
    this.protocolError = why;
    this.wake();
  }
}
