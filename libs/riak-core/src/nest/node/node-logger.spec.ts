/**
 * The node log at the default level: every line (Nest's own start lines included) is one JSON
 * object with level, time, node and message, and no request-logging middleware runs.
 * nestjs-pino's root logger is per process, so the debug level has its own file
 * (node-logger-requests.spec.ts).
 */
import { Controller, Get, Logger, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CapturedLines } from '../../../test/captured-lines';
import { createNodeLog, nodeLogOptions } from './node-logger';

@Controller('probe')
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get()
  probe(@Req() req: { raw: object }): { requestLogger: boolean } {
    this.logger.log('inside a request');
    return { requestLogger: 'log' in req.raw };
  }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('the node log at info', () => {
  const out = new CapturedLines();
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    const log = await createNodeLog('n1@127.0.0.1', 'info', out);
    @Module({ imports: [log.module], controllers: [ProbeController] })
    class ProbeModule {}
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: log.logger, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/probe`;
  });
  afterAll(() => app.close());

  it("writes Nest's start as JSON lines with level, time, node, context and message", () => {
    expect(out.lines[0]).toEqual({ level: 'info', time: expect.stringMatching(ISO_TIME), node: 'n1@127.0.0.1', context: 'NestFactory', message: 'Starting Nest application...' });
    for (const line of out.lines) expect(Object.keys(line)).toEqual(expect.arrayContaining(['level', 'time', 'node', 'message']));
  });

  it("routes `new Logger(context)` here, at pino's levels, leaving out what is below info", () => {
    const logger = new Logger('Probe');
    const before = out.lines.length;
    logger.debug('not at info');
    logger.verbose('not at info either');
    logger.log('hello');
    logger.warn('careful');
    logger.error('broken', 'Error: broken\n    at somewhere (file.ts:1:1)');
    const lines = out.lines.slice(before);
    expect(lines.map((l) => [l['level'], l['context'], l['message']])).toEqual([
      ['info', 'Probe', 'hello'],
      ['warn', 'Probe', 'careful'],
      ['error', 'Probe', 'broken'],
    ]);
    expect(lines[2]['err']).toMatchObject({ message: 'broken', stack: expect.stringContaining('at somewhere') });
  });

  it('logs no request and mounts no request logger above debug', async () => {
    const before = out.lines.length;
    const res = await fetch(url, { headers: { authorization: 'Bearer secret-token' } });
    expect(await res.json()).toEqual({ requestLogger: false });
    const lines = out.lines.slice(before);
    expect(lines.map((l) => l['message'])).toEqual(['inside a request']);
    expect(lines[0]).not.toHaveProperty('reqId');
  });
});

describe('nodeLogOptions', () => {
  it('names the node on every line and writes the level as its label', () => {
    const options = nodeLogOptions('a@b', 'warn');
    expect(options).toMatchObject({ level: 'warn', base: { node: 'a@b' }, messageKey: 'message' });
    expect(options.formatters?.level?.('warn', 40)).toEqual({ level: 'warn' });
  });
});
