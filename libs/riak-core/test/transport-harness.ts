/**
 * Test nodes on the real TCP cluster transport: Nest microservices with a ClusterServer strategy
 * on ports the OS picks, TcpClusterClients, and plain sockets and servers for hand-driven peers.
 * `close()` (after each test) closes everything that was opened.
 */
import { INestMicroservice, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Server as NetServer, Socket, createServer } from 'node:net';
import { ClusterServer, ClusterServerOptions } from '../src/nest/transport/cluster-server';
import { TcpClusterClient, TcpClusterClientOptions } from '../src/nest/transport/tcp-cluster-client';

/** A logger that keeps its lines, so a test can check what a node warned about. */
export class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(): void {
    // not recorded
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.startsWith('warn '));
  }
}

export interface TransportNode {
  readonly app: INestMicroservice;
  readonly server: ClusterServer;
  readonly addr: string;
  readonly port: number;
  readonly logger: CaptureLogger;
}

export interface TransportHarnessOptions {
  readonly secret: string;
  /** the module whose controllers answer on the test nodes */
  readonly module: Type<unknown>;
  readonly serverNode?: string;
  readonly clientNode?: string;
  /** options every client gets (each call may override them) */
  readonly client?: Partial<TcpClusterClientOptions>;
}

export class TransportHarness {
  private readonly apps: INestMicroservice[] = [];
  private readonly clients: TcpClusterClient[] = [];
  private readonly servers: NetServer[] = [];
  /** sockets a test opened by hand: destroyed by close() */
  readonly sockets: Socket[] = [];

  constructor(private readonly options: TransportHarnessOptions) {}

  /** A node serving the module on 127.0.0.1 and a port the OS picks. */
  async startNode(opts: Partial<ClusterServerOptions> = {}): Promise<TransportNode> {
    const logger = new CaptureLogger();
    const server = new ClusterServer({ host: '127.0.0.1', port: 0, nodeName: this.options.serverNode ?? 'server@test', secret: this.options.secret, logger, ...opts });
    const app = await NestFactory.createMicroservice(this.options.module, { strategy: server, logger: false });
    this.apps.push(app);
    await app.listen();
    const address = server.address();
    if (!address) throw new Error('server has no address');
    return { app, server, addr: `127.0.0.1:${address.port}`, port: address.port, logger };
  }

  /** Stop a node now (its port is free again for a restart). */
  async stopNode(node: TransportNode): Promise<void> {
    const i = this.apps.indexOf(node.app);
    if (i >= 0) this.apps.splice(i, 1);
    await node.app.close();
  }

  client(opts: Partial<TcpClusterClientOptions> = {}): TcpClusterClient {
    const c = new TcpClusterClient({ nodeName: this.options.clientNode ?? 'client@test', secret: this.options.secret, logger: new CaptureLogger(), ...this.options.client, ...opts });
    this.clients.push(c);
    return c;
  }

  /** A listening plain TCP server for fake peers; resolves with its port. */
  async listen(onSocket: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      this.sockets.push(socket);
      socket.on('error', () => undefined);
      onSocket(socket);
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.destroy();
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(this.apps.splice(0).map((a) => a.close()));
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** A port nothing listens on. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
