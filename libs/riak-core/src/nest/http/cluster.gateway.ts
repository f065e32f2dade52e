/**
 * `ws://host:HTTP_PORT/ws/cluster` (SPEC §6): live cluster events for the dashboard and any other
 * watcher. On connect a client gets `ring` (this node's `ringView`) and `transfer` (the transfers
 * of `GET /api/cluster/transfers`); then `ring` again whenever an adopted ring looks different, and
 * `transfer` whenever the transfer list changes. The ring comes from the ring manager's changes;
 * the handoff manager has no event source, so its list is polled, only while clients are connected.
 * When ADMIN_TOKEN is set the connection must present it (`?token=` or `Authorization: Bearer`).
 *
 * Frames are read here, not by `@SubscribeMessage` handlers: Nest's adapter silently drops frames
 * it cannot route, and every bad frame must be answered with an `error` frame.
 */
import { Inject, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { Subscription } from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { NodeConfig, ringView } from '../../lib';
import { HandoffManager } from '../handoff/handoff-manager.service';
import { RingManager } from '../ring-manager.service';
import { NODE_CONFIG } from '../tokens';
import { adminTokenAccepted } from './admin-token.guard';
import { CLUSTER_WS_MAX_PAYLOAD, clusterErrorFrame, decodeClusterRequest, ringFrame, transferFrame, transfersDigest } from './cluster-frames';

export const CLUSTER_WS_PATH = '/ws/cluster';
/** How often the transfer list is read while someone watches. */
export const TRANSFER_POLL_MS = 500;
/** A client that lets more than this pile up unsent is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** The part of a `ws` socket the gateway uses. */
type ClusterSocket = Pick<WebSocket, 'send' | 'close' | 'terminate' | 'on' | 'readyState' | 'bufferedAmount' | 'OPEN'>;

@WebSocketGateway({ path: CLUSTER_WS_PATH, maxPayload: CLUSTER_WS_MAX_PAYLOAD })
export class ClusterGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ClusterGateway');
  private readonly clients = new Set<ClusterSocket>();
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** the last `ring` frame sent to everyone, and the digest of the last transfer list */
  private lastRing = '';
  private lastTransfers = '';

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly rings: RingManager,
    private readonly handoff: HandoffManager,
  ) {}

  onModuleInit(): void {
    this.sub = this.rings.changes$.subscribe(() => {
      if (this.clients.size === 0) return;
      const frame = ringFrame(this.rings.self, ringView(this.rings.current));
      if (frame !== this.lastRing) {
        this.lastRing = frame;
        this.broadcast(frame);
      }
      this.pollTransfers();
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
    this.stopPolling();
  }

  /** Open clients. */
  get connectionCount(): number {
    return this.clients.size;
  }

  /** Whether the transfer list is being polled (only while clients are connected). */
  get polling(): boolean {
    return this.timer !== undefined;
  }

  handleConnection(socket: ClusterSocket, request?: IncomingMessage): void {
    socket.on('error', (err: Error) => this.logger.debug(`client: ${err.message}`));
    if (!this.authorized(request)) {
      this.send(socket, clusterErrorFrame('unauthorized', 'this node has an ADMIN_TOKEN: connect with ?token=<ADMIN_TOKEN> or Authorization: Bearer <ADMIN_TOKEN>'));
      socket.close(1008, 'unauthorized');
      return;
    }
    this.clients.add(socket);
    socket.on('close', () => {
      this.clients.delete(socket);
      if (this.clients.size === 0) this.stopPolling();
    });
    socket.on('message', (data: RawData) => this.onMessage(socket, data));
    this.lastRing = ringFrame(this.rings.self, ringView(this.rings.current));
    this.send(socket, this.lastRing);
    const transfers = this.handoff.transfers();
    if (this.clients.size === 1) this.lastTransfers = transfersDigest(transfers);
    this.send(socket, transferFrame(transfers));
    this.startPolling();
  }

  private onMessage(socket: ClusterSocket, data: RawData): void {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const request = decodeClusterRequest(text);
    if (request.kind === 'error') return this.send(socket, clusterErrorFrame(request.code, request.message));
    if (request.kind === 'ring') return this.send(socket, ringFrame(this.rings.self, ringView(this.rings.current)));
    this.send(socket, transferFrame(this.handoff.transfers()));
  }

  private authorized(request: IncomingMessage | undefined): boolean {
    const token = this.config.adminToken;
    if (!token) return true;
    const header = request?.headers.authorization;
    if (header !== undefined) return adminTokenAccepted(token, header);
    const query = new URL(request?.url ?? '/', 'ws://node').searchParams.get('token');
    return query !== null && adminTokenAccepted(token, query);
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pollTransfers(), TRANSFER_POLL_MS);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private pollTransfers(): void {
    if (this.clients.size === 0) return;
    const transfers = this.handoff.transfers();
    const digest = transfersDigest(transfers);
    if (digest === this.lastTransfers) return;
    this.lastTransfers = digest;
    this.broadcast(transferFrame(transfers));
  }

  private broadcast(frame: string): void {
    for (const socket of this.clients) this.send(socket, frame);
  }

  private send(socket: ClusterSocket, frame: string): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(frame);
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn(`dropping a /ws/cluster client: ${socket.bufferedAmount} bytes unsent`);
      this.clients.delete(socket);
      socket.terminate();
    }
  }
}
