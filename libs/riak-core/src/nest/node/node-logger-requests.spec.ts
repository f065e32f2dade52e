/**
 * The node log at debug: one line per HTTP request, at debug, with method, url, status and the
 * request id that the lines logged while serving it carry too; request headers stay out of the log.
 */
import { Controller, Get, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CapturedLines } from '../../../test/captured-lines';
import { createNodeLog } from './node-logger';

@Controller('probe')
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get()
  probe(): { ok: true } {
    this.logger.log('inside a request');
    return { ok: true };
  }
}

describe('the node log at debug', () => {
  const out = new CapturedLines();
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    const log = await createNodeLog('n2@127.0.0.1', 'debug', out);
    @Module({ imports: [log.module], controllers: [ProbeController] })
    class ProbeModule {}
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: log.logger, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/probe?x=1`;
  });
  afterAll(() => app.close());

  it('logs each request at debug, and the lines of the request carry its id', async () => {
    const before = out.lines.length;
    const res = await fetch(url, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // the request line is written when the response finishes, which may follow the body by a tick
    for (let i = 0; i < 100 && !out.lines.slice(before).some((l) => l['message'] === 'request completed'); i++) await new Promise((r) => setImmediate(r));
    const [inside, request] = out.lines.slice(before);
    expect(inside).toMatchObject({ level: 'info', node: 'n2@127.0.0.1', context: 'Probe', message: 'inside a request', reqId: expect.anything() });
    expect(request).toEqual({
      level: 'debug',
      time: expect.any(String),
      node: 'n2@127.0.0.1',
      reqId: inside['reqId'],
      req: { method: 'GET', url: '/probe?x=1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      message: 'request completed',
    });
    expect(out.raw.join('\n')).not.toContain('secret-token');
  });
});
