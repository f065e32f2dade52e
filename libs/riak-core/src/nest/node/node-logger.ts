/**
 * The log of a node process: pino, through nestjs-pino. Every line is one JSON object with `level`
 * (a label), `time` (ISO 8601), `node`, `message`, and `context` for the lines of Nest's
 * `new Logger(context)`, which nestjs-pino routes here; pino-pretty renders the same lines when
 * stdout is a terminal. HTTP requests are logged at `debug` (pino-http). Above debug the
 * request-logging middleware is not mounted at all, so a request pays nothing for logging.
 *
 * One per process: nestjs-pino keeps its root logger in a module-level variable, so the first node
 * log created in a process serves every Nest application of that process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, LoggerService } from '@nestjs/common';
import { Logger, LoggerModule, Params, PinoLogger } from 'nestjs-pino';
import { DestinationStream, LoggerOptions, pino, stdTimeFunctions } from 'pino';
import { NodeLogLevel } from '../../lib';

export interface NodeLog {
  /** Nest's logger for the whole process: pass it as `NestFactory.create(..., { logger })` */
  readonly logger: LoggerService;
  /** provides nestjs-pino's `Logger` and `PinoLogger` for injection, and the request logs at debug */
  readonly module: DynamicModule;
}

/** pino's options for a node's lines: the level as a label, ISO time, the node name on every line, `message`. */
export function nodeLogOptions(node: string, level: NodeLogLevel): LoggerOptions {
  return {
    level,
    base: { node },
    messageKey: 'message',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** Whether requests are logged: only at debug and trace, the levels their lines are written at. */
export function logsRequests(level: NodeLogLevel): boolean {
  return level === 'debug' || level === 'trace';
}

/**
 * The log of node `node`: JSON lines on stdout (written asynchronously, flushed at exit), pretty
 * lines when stdout is a terminal; `destination` replaces stdout (tests).
 */
export async function createNodeLog(node: string, level: NodeLogLevel, destination?: DestinationStream): Promise<NodeLog> {
  const stream = destination ?? (process.stdout.isTTY ? await prettyStdout() : pino.destination({ dest: 1, sync: false }));
  const params: Params = {
    pinoHttp: {
      logger: pino(nodeLogOptions(node, level), stream),
      customLogLevel: () => 'debug',
      // lines logged while serving a request carry its id; its method and url are on the request line
      quietReqLogger: true,
      serializers: {
        req: (req: Pick<IncomingMessage, 'method' | 'url'>) => ({ method: req.method, url: req.url }),
        res: (res: Pick<ServerResponse, 'statusCode'>) => ({ statusCode: res.statusCode }),
      },
    },
    ...(logsRequests(level) ? {} : { forRoutes: [] }),
  };
  return { logger: new Logger(new PinoLogger(params), params), module: LoggerModule.forRoot(params) };
}

/** pino-pretty on stdout, loaded only for a terminal. */
async function prettyStdout(): Promise<DestinationStream> {
  const { PinoPretty } = await import('pino-pretty');
  return PinoPretty({
    messageKey: 'message',
    messageFormat: '{node} {if context}[{context}] {end}{message}',
    ignore: 'node,context',
    translateTime: 'SYS:HH:MM:ss.l',
    sync: true,
  });
}
