/**
 * The contract between the in-memory network (in-memory.ts) and its endpoints
 * (in-memory-server.ts, in-memory-client.ts). Everything crossing the hub is an encoded message
 * body, exactly as on TCP minus the length prefix.
 */
import { WireMessage } from '../../lib/wire';

export interface InMemoryPeer {
  /** the sender's node name (the in-memory stand-in for the handshake's proved name) */
  readonly node: string;
  /** the sender's "socket address" */
  readonly address: string;
}

export interface InMemoryServerEndpoint {
  readonly addr: string;
  readonly nodeName: string;
  /** A request or event arrived from `from`; `reply` sends an encoded reply back to it. */
  receive(from: InMemoryPeer, body: Buffer, reply: (body: Buffer) => void): void;
}

export interface InMemoryClientEndpoint {
  readonly nodeName: string;
  /** The server at addr stopped: what is pending there fails as on a closed connection. */
  serverGone(addr: string): void;
}

export type InMemoryRoute = 'sent' | 'no-server' | 'partitioned';

export interface InMemoryHub {
  /** Encode a message body; throws WireError ('unencodable', or 'oversize' over the frame limit). */
  encode(message: WireMessage): Buffer;
  /** Decode and validate a message body; throws WireError. */
  decode(body: Buffer): WireMessage;
  /** Claim addr for a server; false if another server holds it. */
  register(server: InMemoryServerEndpoint): boolean;
  unregister(server: InMemoryServerEndpoint): void;
  attach(client: InMemoryClientEndpoint): void;
  detach(client: InMemoryClientEndpoint): void;
  /**
   * Send a request or event to addr. 'no-server' and 'partitioned' mean nothing was sent; 'sent'
   * means it is in flight and may still be dropped or delayed by the delivery model. Replies come
   * back through `onReply`, asynchronously.
   */
  send(client: InMemoryClientEndpoint, addr: string, body: Buffer, kind: 'request' | 'event', onReply: (body: Buffer) => void): InMemoryRoute;
}
