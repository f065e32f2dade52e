/**
 * Starting and stopping a node process: validate the configuration (exit 2 with one line naming
 * the variable), start the HTTP server and the cluster transport, join `JOIN` if given, exit 0 on
 * SIGTERM/SIGINT after in-flight work finishes, and exit 0 once this node's leave completes.
 */
import { DynamicModule, Logger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { AppDefaults, ConfigError, NodeConfig, isAlone, parseNodeConfig } from '../lib';
import { ClusterServer } from './transport';
import { JsonErrorFilter, errorBody } from './http/json-error.filter';
import type { Socket } from 'node:net';
import { RingManager } from './ring-manager.service';
import { GossipService } from './gossip.service';
import { MembershipService, sameAddr } from './membership.service';
import { ClusterRefusal } from './cluster-refusal.exception';
import { RuntimeOptions, runtimeFromEnv } from './runtime-options';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface StartNodeOptions {
  readonly config: NodeConfig;
  readonly module: DynamicModule | Type<unknown>;
  /** extra setup of the app before it listens (gateways, pipes) */
  readonly configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

function logLevels(): LogLevel[] {
  const level = process.env['LOG_LEVEL'] ?? 'log';
  const all: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const i = all.indexOf(level as LogLevel);
  return all.slice(0, i < 0 ? 4 : i + 1);
}

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new ConfigError('DATA_DIR', `cannot use ${dir}: ${(err as Error).message}`);
  }
}

function portError(err: unknown, variable: string, port: number): never {
  const code = (err as { code?: string })?.code;
  if (code === 'EADDRINUSE') throw new ConfigError(variable, `port ${port} is already in use`);
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(variable, `cannot listen on port ${port} (${code})`);
  throw err;
}

/**
 * A request the HTTP parser cannot read (bad request line, bad headers) never reaches Nest: answer
 * it here with the same JSON error shape as every other error, and close the connection.
 */
function answerClientError(err: { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = errorBody(tooLarge ? 'headers_too_large' : 'bad_request', tooLarge ? 'request headers too large' : 'malformed HTTP request');
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Start a node; resolves once it serves HTTP and the cluster transport. */
export async function startNode(opts: StartNodeOptions): Promise<NestFastifyApplication> {
  const { config } = opts;
  checkDataDir(config.dataDir);
  // Route parameters (KV keys) are validated by the app (1024 bytes, SPEC §6), not cut at fastify's 100.
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, routerOptions: { maxParamLength: 8192 }, clientErrorHandler: answerClientError });
  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, {
    logger: logLevels(),
    abortOnError: false,
  });
  app.useGlobalFilters(new JsonErrorFilter());
  if (opts.configure) await opts.configure(app);
  app.connectMicroservice(
    {
      strategy: new ClusterServer({
        host: config.bind,
        port: config.clusterPort,
        nodeName: config.node,
        secret: config.secret,
        ...(config.clusterTls ? { tls: config.clusterTls } : {}),
      }),
    },
    { inheritAppConfig: true },
  );
  try {
    await app.startAllMicroservices();
  } catch (err) {
    await app.close().catch(() => undefined);
    portError(err, 'CLUSTER_PORT', config.clusterPort);
  }
  try {
    await app.listen(config.httpPort, config.bind);
  } catch (err) {
    await app.close().catch(() => undefined);
    portError(err, 'HTTP_PORT', config.httpPort);
  }
  return app;
}

/**
 * The main of a node process: start, then live until SIGTERM/SIGINT (exit 0) or until this node
 * has left the cluster (exit 0). Invalid configuration exits 2 with one line.
 */
export async function runNode(opts: StartNodeOptions): Promise<void> {
  const logger = new Logger('Node');
  let app: NestFastifyApplication;
  try {
    app = await startNode(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ringnest: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config } = opts;
  logger.log(`${config.node} serving HTTP on ${config.bind}:${config.httpPort}, cluster transport on ${config.bind}:${config.clusterPort}`);

  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.log(`stopping (${why})`);
    const force = setTimeout(() => process.exit(code), 15000);
    force.unref();
    try {
      await app.get(RingManager).flush();
      await app.close();
    } finally {
      process.exit(code);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));

  const rings = app.get(RingManager);
  rings.exiting$.subscribe(() => {
    void (async () => {
      logger.log(`${config.node} has handed off everything and leaves the cluster`);
      await app.get(GossipService).pushToAll();
      await rings.resetAlone();
      await stop('left the cluster', 0);
    })();
  });

  if (config.join && sameAddr(config.join, config.clusterAddr)) logger.log(`JOIN ${config.join} is this node itself: starting as the first node`);
  else if (config.join && isAlone(rings.current, config.node)) void joinAtStart(app, config.join, logger);
}

async function joinAtStart(app: NestFastifyApplication, target: string, logger: Logger): Promise<void> {
  const membership = app.get(MembershipService);
  for (let attempt = 1, delay = 500; attempt <= 60; attempt++, delay = Math.min(delay * 2, 5000)) {
    try {
      logger.log(await membership.join(target, true));
      return;
    } catch (err) {
      if (err instanceof ClusterRefusal && err.code !== 'unreachable') {
        logger.error(`JOIN ${target}: ${err.message}`);
        return;
      }
      logger.warn(`JOIN ${target}: ${(err as Error).message}; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  logger.error(`JOIN ${target}: gave up`);
}

/** Read the configuration from the environment (exit 2 with one line when invalid) and run. */
export function runFromEnv(defaults: AppDefaults, build: (config: NodeConfig, runtime: Partial<RuntimeOptions>) => Omit<StartNodeOptions, 'config'>): void {
  let config: NodeConfig;
  let runtime: Partial<RuntimeOptions>;
  try {
    config = parseNodeConfig(process.env, defaults, (path) => readFileSync(path, 'utf8'));
    runtime = runtimeFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ringnest: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  void runNode({ config, ...build(config, runtime) });
}
