/**
 * The chat TCP line server as a Nest provider: listens on CHAT_PORT from application bootstrap
 * until shutdown and gives every socket a `LineConnection`, once it has a slot of the node's
 * `ConnectionSlots` (shared with the WebSocket gateway); a socket without one is told
 * `sorry, this server is full` and closed. A port that cannot be bound is a configuration error
 * naming CHAT_PORT.
 */
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigError } from '@ringnest/riak-core';
import { createServer, Server, Socket } from 'node:net';
import { replies } from '../protocol';
import { RoomDirectory } from '../rooms';
import { ClientAdmission, ConnectionSlots, SessionLimits } from '../session';
import { LineConnection, endWithGrace } from './line-connection';
import { LineServerOptions, sessionLimitsOf } from './line-server.config';

export const LINE_SERVER_OPTIONS = Symbol('LINE_SERVER_OPTIONS');
export const ROOM_DIRECTORY = Symbol('ROOM_DIRECTORY');

@Injectable()
export class LineServer implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChatLineServer');
  private server: Server | undefined;
  private readonly admission: ClientAdmission<LineConnection>;
  private readonly limits: SessionLimits;

  constructor(
    @Inject(LINE_SERVER_OPTIONS) private readonly options: LineServerOptions,
    @Inject(ROOM_DIRECTORY) private readonly rooms: RoomDirectory,
    slots: ConnectionSlots,
  ) {
    this.limits = sessionLimitsOf(options);
    this.admission = new ClientAdmission('tcp', slots, this.logger);
  }

  /** The bound port (useful when configured with port 0). */
  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.admission.count;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new ConfigError('CHAT_PORT', `port ${this.options.port} is already in use`);
      if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError('CHAT_PORT', `cannot listen on port ${this.options.port} (${code})`);
      throw err;
    }
    server.on('error', (err) => this.logger.error(`line server: ${err.message}`));
    this.server = server;
    this.logger.log(`chat line protocol on ${this.options.host}:${this.port}`);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  /** Stop accepting and drop every connection (their members leave their rooms). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.admission.clients]) connection.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    const admitted = this.admission.admit((id, onClosed) => new LineConnection(id, socket, this.options.node, this.rooms, this.options.maxOutputBytes, this.logger, onClosed, this.limits));
    if (admitted) return;
    socket.on('error', () => undefined);
    socket.end(replies.serverFull(), 'latin1');
    endWithGrace(socket);
  }
}
