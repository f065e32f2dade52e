/**
 * Hostile peers of the cluster transport, for its tests: a node module whose `record` handler
 * keeps every payload, and a client driven by hand over a real socket.
 */
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Socket, connect } from 'node:net';
import { ClientHandshake, ConnectionFraming, PROTOCOL_VERSION, WireMessage, encodeMessage } from '../src/lib/wire';
import { until } from '../src/testing/until';
import { TransportHarness } from './transport-harness';

export const HOSTILE_SECRET = 'hostile-test-secret';

/** Every payload the `record` handler was called with, in order. */
export const recorded: unknown[] = [];

@Controller()
class HostileTestController {
  @MessagePattern('record')
  record(@Payload() data: unknown): string {
    recorded.push(data);
    return 'recorded';
  }

  @MessagePattern('echo')
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

@Module({ controllers: [HostileTestController] })
export class HostileTestModule {}

/**
 * A client driven by hand over a real socket: it reads what the server sends through its own
 * ConnectionFraming, can run the real handshake, and can write any bytes it likes.
 */
export class RawClient {
  readonly received: WireMessage[] = [];
  readonly framing = new ConnectionFraming();
  readonly closed: Promise<void>;
  isClosed = false;
  private readError: Error | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (this.readError) return;
      try {
        for (const m of this.framing.receive(chunk)) this.received.push(m);
      } catch (err) {
        this.readError = err as Error;
      }
    });
    this.closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static async open(net: TransportHarness, port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    net.sockets.push(socket);
    const raw = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => reject(new Error('closed before connecting')));
    });
    return raw;
  }

  /** Resolves with the first message of type `t` (already received or arriving within the bound). */
  async next<T extends WireMessage['t']>(t: T): Promise<Extract<WireMessage, { t: T }>> {
    await until(`a '${t}' message`, () => this.received.some((m) => m.t === t) || this.isClosed);
    const found = this.received.find((m) => m.t === t);
    if (!found) throw new Error(`the connection closed without a '${t}' (got ${this.received.map((m) => m.t).join(', ')})`);
    return found as Extract<WireMessage, { t: T }>;
  }

  /** Run the real client side of the handshake; the connection is in session afterwards. */
  async authenticate(node = 'raw@test', secret = HOSTILE_SECRET): Promise<void> {
    const handshake = new ClientHandshake({ secret, node, nonce: 'c1'.repeat(32) });
    this.socket.write(this.framing.frame(encodeMessage(handshake.answer(await this.next('challenge')))));
    const verdict = handshake.verify(await this.next('welcome'));
    if (!verdict.ok) throw new Error(verdict.reason);
    this.framing.startSession(verdict.value.keys);
  }

  /** The next frame of a request, sealed with the next sequence number (not written). */
  requestFrame(id: number, pattern: string, data: unknown): Buffer {
    return this.framing.frame(encodeMessage({ t: 'req', v: PROTOCOL_VERSION, id, pattern, data }));
  }
}

/**
 * msgpackr's structured-clone encoding of {l: x, r: x} nested `levels` deep: each level is tagged
 * with an id (ext 0x69) and referenced once more by pointer (ext 0x70), so a few bytes per level
 * stand for 2^levels leaves once the references are followed.
 */
export function structuredCloneDag(levels: number): Buffer {
  const id = (n: number): Buffer => header(n);
  const parts: Buffer[] = [];
  for (let n = levels; n >= 1; n--) parts.push(Buffer.from([0xde, 0, 2, 0xa1, 0x6c, 0xd6, 0x69]), id(n));
  parts.push(Buffer.from([0xde, 0, 1, 0xa1, 0x70, 0xa1, 0x78]));
  for (let n = 1; n <= levels; n++) parts.push(Buffer.from([0xa1, 0x72, 0xd6, 0x70]), id(n));
  return Buffer.concat(parts);
}

/** A frame header announcing `length` bytes. */
export function header(length: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(length, 0);
  return h;
}

