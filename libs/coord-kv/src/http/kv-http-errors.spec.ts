import { ArgumentsHost, Controller, Get, Param, UseFilters } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { InsufficientPrimariesError, InsufficientVnodesError, InvalidKvRequestError, KvError, QuorumTimeoutError, WriteRefusedByPolicyError } from '../lib';
import { JsonErrorFilter } from '@ringnest/riak-core';
import { KvHttpErrorsFilter, kvHttpException } from './kv-http-errors';

/** What `filter` answers for `exception`: status and body. */
function answered(exception: unknown, filter: { catch(e: never, host: ArgumentsHost): void } = new JsonErrorFilter()): { status: number; body: unknown } {
  const sent = { status: 0, body: '' };
  const reply = {
    status: (code: number) => ((sent.status = code), reply),
    header: () => reply,
    send: (body: string) => (sent.body = body),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  filter.catch(exception as never, host);
  return { status: sent.status, body: JSON.parse(sent.body) as unknown };
}

describe('KV errors at the HTTP edge', () => {
  it.each<[string, KvError, number, { code: string; message: string }]>([
    ['a value no replica could take', new InvalidKvRequestError('bad_request', 'the value nests deeper than 48 levels'), 400, { code: 'bad_request', message: 'the value nests deeper than 48 levels' }],
    ['a context this API did not issue', new InvalidKvRequestError('bad_context', 'X-Ringnest-Context: not base64url'), 400, { code: 'bad_context', message: 'X-Ringnest-Context: not base64url' }],
    ['a write the version policy refused', new WriteRefusedByPolicyError('too_many_siblings', 'the write would leave 101 concurrent versions'), 409, { code: 'too_many_siblings', message: 'the write would leave 101 concurrent versions' }],
    ['too few vnodes', new InsufficientVnodesError(1, 2), 503, { code: 'insufficient_vnodes', message: '1 vnodes reachable, 2 needed' }],
    ['too few primaries', new InsufficientPrimariesError(1, 2), 503, { code: 'insufficient_primaries', message: '1 primary replicas answered, 2 needed' }],
    ['a quorum timeout', new QuorumTimeoutError(1, 2, 5000), 504, { code: 'timeout', message: '1 of 2 replies within 5000 ms' }],
  ])('answers %s with its status and the JSON error body', (_what, err, status, error) => {
    expect(kvHttpException(err).getStatus()).toBe(status);
    expect(answered(kvHttpException(err))).toEqual({ status, body: { error } });
    expect(answered(err, new KvHttpErrorsFilter())).toEqual({ status, body: { error } });
  });

  it('maps the KV errors a route throws and lets every other error reach the node filter', async () => {
    @Controller('t')
    @UseFilters(KvHttpErrorsFilter)
    class ThrowingController {
      @Get(':what')
      fail(@Param('what') what: string): never {
        throw what === 'kv' ? new InsufficientVnodesError(0, 2) : new Error('boom');
      }
    }
    const moduleRef = await Test.createTestingModule({ controllers: [ThrowingController] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new JsonErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const kv = await app.inject({ method: 'GET', url: '/t/kv' });
      expect([kv.statusCode, kv.json()]).toEqual([503, { error: { code: 'insufficient_vnodes', message: '0 vnodes reachable, 2 needed' } }]);
      const other = await app.inject({ method: 'GET', url: '/t/other' });
      expect([other.statusCode, other.json()]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
    } finally {
      await app.close();
    }
  });
});
