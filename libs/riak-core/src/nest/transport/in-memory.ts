/**
 * InMemoryClusterNetwork: an in-process stand-in for the cluster's TCP network, for tests. Servers
 * (Nest strategies) and clients (ClusterClient) attach to it by address and node name; messages go
 * through the same msgpack encoding and validation as on TCP, and are always delivered
 * asynchronously (a timer per message, never re-entrantly).
 *
 * Fault controls: partition(groupA, groupB) cuts every link between the two groups; isolate(x)
 * cuts x from everyone but itself; heal() removes all cuts. Groups name nodes by address or by
 * node name. A request across a cut fails at once with 'unreachable'; a message in flight when a
 * cut appears is lost (the request times out). The delivery model (seeded by default, see
 * seeded-delivery.ts) decides each message's delay and loss; `onDelivery` observes its decisions.
 *
 * Delivery order is (due time, send order), with a burst of sends sharing one base time, so a seeded
 * run delivers in the same order every time (delivery-scheduler.ts).
 *
 * Invariant: close() clears every delivery timer; nothing is delivered afterwards.
 */
import { Logger, LoggerService } from '@nestjs/common';
import { WireMessage, checkFrameSize, decodeBody, encodeBody, validMaxFrameBytes, validateWireMessage } from '../../lib/wire';
import { DeliveryScheduler } from './delivery-scheduler';
import { InMemoryClientEndpoint, InMemoryHub, InMemoryRoute, InMemoryServerEndpoint } from './in-memory-hub';
import { InMemoryClusterClient, InMemoryClusterClientOptions } from './in-memory-client';
import { InMemoryClusterServer } from './in-memory-server';
import { DeliveryDecision, DeliveryLink, DeliveryModel, SeededDeliveryModel, SeededDeliveryOptions } from './seeded-delivery';

export { InMemoryClusterServer } from './in-memory-server';
export { InMemoryClusterClient } from './in-memory-client';
export type { InMemoryClusterClientOptions } from './in-memory-client';

export interface DeliveryTrace extends DeliveryLink, DeliveryDecision {
  /** the message's encoded size (its frame body) */
  readonly bytes: number;
}

export interface InMemoryNetworkOptions extends SeededDeliveryOptions {
  /** bodies longer than this are refused like oversize frames (default 64 MiB) */
  readonly maxFrameBytes?: number;
  /** replaces the seeded model */
  readonly deliveryModel?: DeliveryModel;
  /** called with every delivery decision, in decision order */
  readonly onDelivery?: (trace: DeliveryTrace) => void;
  readonly logger?: LoggerService;
}

export class InMemoryClusterNetwork implements InMemoryHub {
  private readonly servers = new Map<string, InMemoryServerEndpoint>();
  private readonly clients = new Set<InMemoryClientEndpoint>();
  private readonly cuts: Array<readonly [ReadonlySet<string>, ReadonlySet<string>]> = [];
  private readonly isolated = new Set<string>();
  private readonly scheduler: DeliveryScheduler;
  private readonly model: DeliveryModel;
  private readonly maxFrameBytes: number;
  private readonly logger: LoggerService;

  constructor(private readonly options: InMemoryNetworkOptions = {}) {
    this.model = options.deliveryModel ?? new SeededDeliveryModel(options).decide;
    this.maxFrameBytes = validMaxFrameBytes(options.maxFrameBytes);
    this.logger = options.logger ?? new Logger('InMemoryClusterNetwork');
    this.scheduler = new DeliveryScheduler((err) =>
      this.logger.error(`in-memory delivery failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
  }

  /** A server strategy for `addr`; it claims the address when Nest calls listen(). */
  createServer(addr: string, nodeName: string, opts: { logger?: LoggerService } = {}): InMemoryClusterServer {
    return new InMemoryClusterServer(this, addr, nodeName, opts.logger ?? this.options.logger);
  }

  /** The ClusterClient of node `nodeName`. */
  createClient(nodeName: string, opts: InMemoryClusterClientOptions = {}): InMemoryClusterClient {
    return new InMemoryClusterClient(this, nodeName, { logger: this.options.logger, ...opts });
  }

  /** Cut every link between a member of groupA and a member of groupB (addresses or node names). */
  partition(groupA: readonly string[], groupB: readonly string[]): void {
    this.cuts.push([new Set(groupA), new Set(groupB)]);
  }

  /** Cut `addrOrNode` off from every other node. */
  isolate(addrOrNode: string): void {
    this.isolated.add(addrOrNode);
  }

  /** Remove every partition and isolation. */
  heal(): void {
    this.cuts.length = 0;
    this.isolated.clear();
  }

  /** Addresses with a listening server. */
  addresses(): string[] {
    return [...this.servers.keys()];
  }

  /** Drop every message in flight. */
  close(): void {
    this.scheduler.close();
  }

  encode(message: WireMessage): Buffer {
    const body = encodeBody(message);
    checkFrameSize(body.length, this.maxFrameBytes);
    return body;
  }

  decode(body: Buffer): WireMessage {
    checkFrameSize(body.length, this.maxFrameBytes);
    return validateWireMessage(decodeBody(body));
  }

  register(server: InMemoryServerEndpoint): boolean {
    if (this.servers.has(server.addr)) return false;
    this.servers.set(server.addr, server);
    return true;
  }

  unregister(server: InMemoryServerEndpoint): void {
    if (this.servers.get(server.addr) !== server) return;
    this.servers.delete(server.addr);
    for (const client of [...this.clients]) client.serverGone(server.addr);
  }

  attach(client: InMemoryClientEndpoint): void {
    this.clients.add(client);
  }

  detach(client: InMemoryClientEndpoint): void {
    this.clients.delete(client);
  }

  send(client: InMemoryClientEndpoint, addr: string, body: Buffer, kind: 'request' | 'event', onReply: (body: Buffer) => void): InMemoryRoute {
    const server = this.servers.get(addr);
    if (!server) return 'no-server';
    if (this.isCut(client.nodeName, server)) return 'partitioned';
    const from = { node: client.nodeName, address: `memory:${client.nodeName}` };
    this.schedule({ kind, from: client.nodeName, to: addr }, body.length, () => {
      if (this.servers.get(addr) !== server || this.isCut(client.nodeName, server)) return;
      server.receive(from, body, (reply) =>
        this.schedule({ kind: 'reply', from: addr, to: client.nodeName }, reply.length, () => {
          if (this.clients.has(client) && !this.isCut(client.nodeName, server)) onReply(reply);
        }),
      );
    });
    return 'sent';
  }

  private schedule(link: DeliveryLink, bytes: number, deliver: () => void): void {
    const decision = this.model(link);
    this.options.onDelivery?.({ ...link, bytes, ...decision });
    if (!decision.drop) this.scheduler.schedule(decision.delayMs, deliver);
  }

  /** Whether a cut separates node `clientNode` from `server` (a node is never cut from itself). */
  private isCut(clientNode: string, server: InMemoryServerEndpoint): boolean {
    if (clientNode === server.nodeName) return false;
    const near = new Set([clientNode]);
    for (const s of this.servers.values()) if (s.nodeName === clientNode) near.add(s.addr);
    const far = new Set([server.addr, server.nodeName]);
    const hits = (group: ReadonlySet<string>, side: ReadonlySet<string>): boolean => [...side].some((x) => group.has(x));
    if (hits(this.isolated, near) || hits(this.isolated, far)) return true;
    return this.cuts.some(([a, b]) => (hits(a, near) && hits(b, far)) || (hits(b, near) && hits(a, far)));
  }
}
