/**
 * Starting and stopping a node process: read and validate the configuration through the
 * configuration table (exit 2 with one line naming the variable), start the HTTP server and the
 * cluster transport with every log line going to the node log (`node-logger.ts`), join `JOIN` if
 * given, exit 0 on SIGTERM/SIGINT after in-flight work finishes, and exit 0 once this node's leave
 * completes.
 */
import { DynamicModule, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, ConfigValues, ConfigVariableSet, NodeApp, NodeConfig, NodeLogLevel, configTable, isAlone, nodeConfigOf, readConfig } from '../../lib';
import { ClusterServer, LinkFaults } from '../transport';
import { FaultInjectionService } from './fault-injection.service';
import { JsonErrorFilter } from '../http/json-error.filter';
import { browserPolicyOf } from '../http/browser-policy';
import { HTTP_TIMEOUT_OPTIONS, answerClientError, installHttpEdge } from '../http/http-edge';
import { NodeWsAdapter } from '../http/node-ws-adapter';
import { RingManager } from '../ring/ring-manager.service';
import { GossipService } from '../ring/gossip.service';
import { MembershipService, sameAddr } from '../membership/membership.service';
import { ClusterRefusal } from '../membership/cluster-refusal.exception';
import { RuntimeOptions, runtimeOf } from './runtime-options';
import { createNodeLog } from './node-logger';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface StartNodeOptions {
  readonly config: NodeConfig;
  readonly module: DynamicModule | Type<unknown>;
  /** extra setup of the app before it listens (pipes, OpenAPI); the WebSocket adapter is the node's (`NodeWsAdapter`) */
  readonly configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** LOG_LEVEL; default info */
  readonly logLevel?: NodeLogLevel;
}

/** The root module of a node: the app's module beside the node log's. */
@Module({})
class NodeRootModule {}

/** DATA_DIR must be a directory this process can write and sync a file in (a full disk fails here). */
function checkDataDir(dir: string): void {
  const probe = join(dir, '.write-check');
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, Buffer.alloc(4096));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new ConfigError('DATA_DIR', `cannot use ${dir}: ${(err as Error).message}`);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // DATA_DIR is not a directory (ENOTDIR): the ConfigError above already says why it cannot be used
    }
  }
}

function portError(err: unknown, variable: string, port: number): never {
  const code = (err as { code?: string })?.code;
  if (code === 'EADDRINUSE') throw new ConfigError(variable, `port ${port} is already in use`);
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(variable, `cannot listen on port ${port} (${code})`);
  throw err;
}

/** The link-fault layer for the cluster server: the app's (FAULTS=1 only), none when the app has no cluster runtime. */
function linkFaultsOf(app: NestFastifyApplication): LinkFaults | null {
  let service: FaultInjectionService;
  try {
    service = app.get(FaultInjectionService, { strict: false });
  } catch {
    return null;
  }
  return service.links;
}

/** Start a node; resolves once it serves HTTP and the cluster transport. */
export async function startNode(opts: StartNodeOptions): Promise<NestFastifyApplication> {
  const { config } = opts;
  checkDataDir(config.dataDir);
  // The node log is Nest's logger from the first line on, so the start is logged as JSON too.
  const log = await createNodeLog(config.node, opts.logLevel ?? 'info');
  // Route parameters (KV keys) are validated by the app (1024 bytes, docs/reference/http-api.md), not cut at fastify's 100.
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 8192 },
    clientErrorHandler: answerClientError,
    ...HTTP_TIMEOUT_OPTIONS,
  });
  const policy = browserPolicyOf(config);
  installHttpEdge(adapter, policy, { maxInFlight: config.httpMaxInFlight });
  const root: DynamicModule = { module: NodeRootModule, imports: [log.module, opts.module] };
  // bodyParser false: the JSON parser is the HTTP edge's (installHttpEdge), and HTML forms are not parsed at all.
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, { logger: log.logger, abortOnError: false, bodyParser: false });
  app.useGlobalFilters(new JsonErrorFilter());
  app.useWebSocketAdapter(new NodeWsAdapter(app, { policy, maxPayload: BODY_LIMIT_BYTES }));
  if (opts.configure) await opts.configure(app);
  const linkFaults = linkFaultsOf(app);
  // The app's global filter is HTTP-only (it answers through reply.status), so the cluster transport
  // does not inherit it: a handler's RpcException must reach the peer with its own code, through
  // Nest's RPC exception handling (libs/riak-core/PROTOCOL.md#requests-and-replies).
  app.connectMicroservice(
    {
      strategy: new ClusterServer({
        host: config.bind,
        port: config.clusterPort,
        nodeName: config.node,
        secret: config.secret,
        ...(config.clusterTls ? { tls: config.clusterTls } : {}),
        maxUnauthenticated: config.clusterMaxUnauthenticated,
        maxUnauthenticatedPerAddress: config.clusterMaxUnauthenticatedPerAddress,
        ...(linkFaults ? { linkFaults } : {}),
      }),
    },
    { inheritAppConfig: false },
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
    let exitCode = code;
    try {
      await app.get(RingManager).flush();
    } catch (err) {
      logger.error(`${(err as Error).message}: exiting with code 1`);
      exitCode = 1;
    }
    try {
      await app.close();
    } finally {
      process.exit(exitCode);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));

  const rings = app.get(RingManager);
  rings.exiting$.subscribe(() => {
    void (async () => {
      logger.log(`${config.node} has handed off everything and leaves the cluster`);
      await app.get(GossipService).pushToAll();
      try {
        await rings.resetAlone();
      } catch (err) {
        logger.error(`cannot persist leaving the cluster: ${(err as Error).message}`);
        return stop('left the cluster, ring not persisted', 1);
      }
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

/**
 * Read the configuration from the environment through the configuration table, the core's
 * variables and then the app's own (`app.variables`, whose values `build` gets as `settings`), and
 * run. Invalid configuration exits 2 with one line naming the variable.
 */
export function runFromEnv<V extends ConfigVariableSet = Record<never, never>>(
  app: NodeApp<V>,
  build: (config: NodeConfig, runtime: Partial<RuntimeOptions>, settings: ConfigValues<V>) => Omit<StartNodeOptions, 'config' | 'logLevel'>,
): void {
  configTable([app]); // an app redeclaring a core variable is a programming error: throws
  let config: NodeConfig;
  let runtime: Partial<RuntimeOptions>;
  let logLevel: NodeLogLevel;
  let settings: ConfigValues<V>;
  try {
    const core = readConfig(CONFIG_VARIABLES, process.env);
    settings = readConfig(app.variables ?? ({} as V), process.env);
    config = nodeConfigOf(core, app, (path) => readFileSync(path, 'utf8'));
    runtime = runtimeOf(core);
    logLevel = core.LOG_LEVEL;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ringnest: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  void runNode({ config, logLevel, ...build(config, runtime, settings) });
}
