/**
 * `ws://host:HTTP_PORT/ws/cluster` (docs/reference/http-api.md): live cluster events for the dashboard and any other
 * watcher. On connect a client gets `ring` (this node's `ringView`) and `transfer` (the cluster-wide
 * transfers of `GET /api/cluster/transfers`); then `ring` again whenever an adopted ring looks
 * different, and `transfer` whenever the transfer list changes. The ring comes from the ring
 * manager's changes; transfers have no event source, so the list is polled (asking every member),
 * only while clients are connected, one poll at a time.
 * When ADMIN_TOKEN is set the connection must present it (`?token=` or `Authorization: Bearer`).
 *
 * The node's WebSocket adapter (`NodeWsAdapter`) routes a client's `ring` and `transfers` requests
 * to the handlers here and answers any other frame with an `error` frame; every frame goes out
 * through `sendFrame`, which drops a client that stops reading.
 */
import { Inject, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConnectedSocket, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { ClusterTransfers, NodeConfig, aaeDashboardView, ringView } from '../../lib';
import { ClusterTransfersService } from '../handoff/cluster-transfers.service';
import { RingManager } from '../ring/ring-manager.service';
import { NODE_CONFIG } from '../tokens';
import { adminTokenAccepted } from './admin-token.guard';
import { CLUSTER_WS_MAX_PAYLOAD, aaeFrame, clusterErrorFrame, ringFrame, transferFrame, transfersDigest } from './cluster-frames';
import { AntiEntropyService } from '../aae/anti-entropy.service';
import { sendFrame } from './node-ws-adapter';

export const CLUSTER_WS_PATH = '/ws/cluster';
/** How often the transfer list is read while someone watches. */
export const TRANSFER_POLL_MS = 500;
/** Anti-entropy is read every this many transfer polls (2 s). */
const AAE_EVERY_POLLS = 4;

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
  /** a poll is asking the members; the next tick skips rather than piling up behind a slow member */
  private pollBusy = false;
  private aaeBusy = false;
  private polls = 0;
  private lastAae = '';

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly rings: RingManager,
    private readonly transfers: ClusterTransfersService,
    private readonly aae: AntiEntropyService,
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
    this.lastRing = ringFrame(this.rings.self, ringView(this.rings.current));
    this.send(socket, this.lastRing);
    this.startPolling();
    void this.readTransfers().then((view) => {
      if (!view) return;
      if (this.clients.size === 1) this.lastTransfers = transfersDigest(view.transfers, view.unreachable);
      this.send(socket, transferFrame(view.transfers, view.unreachable));
    });
    void this.readAae().then((frame) => {
      if (frame) this.send(socket, frame);
    });
  }

  /** `{"event":"ring"}`: the ring view again. */
  @SubscribeMessage('ring')
  ringRequest(@ConnectedSocket() socket: ClusterSocket): void {
    if (this.clients.has(socket)) this.send(socket, ringFrame(this.rings.self, ringView(this.rings.current)));
  }

  /** `{"event":"transfers"}`: the transfer list again. */
  @SubscribeMessage('transfers')
  async transfersRequest(@ConnectedSocket() socket: ClusterSocket): Promise<void> {
    if (!this.clients.has(socket)) return;
    const view = await this.readTransfers();
    if (view) this.send(socket, transferFrame(view.transfers, view.unreachable));
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
    if (++this.polls % AAE_EVERY_POLLS === 0) this.pollAae();
    if (this.pollBusy) return;
    this.pollBusy = true;
    void this.readTransfers()
      .then((view) => {
        if (!view || this.clients.size === 0) return;
        const digest = transfersDigest(view.transfers, view.unreachable);
        if (digest === this.lastTransfers) return;
        this.lastTransfers = digest;
        this.broadcast(transferFrame(view.transfers, view.unreachable));
      })
      .finally(() => (this.pollBusy = false));
  }

  private pollAae(): void {
    if (this.aaeBusy) return;
    this.aaeBusy = true;
    void this.readAae()
      .then((frame) => {
        if (!frame || frame === this.lastAae || this.clients.size === 0) return;
        this.lastAae = frame;
        this.broadcast(frame);
      })
      .finally(() => (this.aaeBusy = false));
  }

  /** The `aae` frame of every member's anti-entropy, or undefined (logged) if reading it failed. */
  private async readAae(): Promise<string | undefined> {
    try {
      return aaeFrame(aaeDashboardView(await this.aae.clusterStatus()));
    } catch (err) {
      this.logger.warn(`reading anti-entropy: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The cluster-wide list, or undefined (logged) if reading it failed. */
  private async readTransfers(): Promise<ClusterTransfers | undefined> {
    try {
      return await this.transfers.transfers();
    } catch (err) {
      this.logger.warn(`reading transfers: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private broadcast(frame: string): void {
    for (const socket of this.clients) this.send(socket, frame);
  }

  private send(socket: ClusterSocket, frame: string): void {
    if (!sendFrame(socket, frame)) this.clients.delete(socket);
  }
}
