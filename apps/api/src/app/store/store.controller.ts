/**
 * `PUT/GET/DELETE /api/store/:key`: validate, delegate to the KV service, shape the body. The KV
 * service's errors are answered with the JSON error body by coord-kv's KvHttpErrorsFilter:
 * quorum failures 503 or 504, a write the version policy refused 409, a value no replica could take
 * or a context this API did not issue 400. PUT, like every request with a body that changes
 * something, needs `Content-Type: application/json` (415, the node's HTTP edge); DELETE needs no type.
 */
import { BadRequestException, Body, Controller, Delete, Get, Header, Headers, HttpCode, Param, Put, Query, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { KvHttpErrorsFilter, KvService, QuorumOptions, checkKey, checkQuorum } from '@ringnest/coord-kv';
import { ApiErrorResponses } from '@ringnest/riak-core';
import { ApiStoreQuery, parseStoreQuery } from './store-query';
import { deletedBody, fetchedJson, storedBody } from './store-bodies';
import { CONTEXT_HEADER_DOC, DELETED_SCHEMA, FETCHED_SCHEMA, STORED_SCHEMA } from './store.openapi';

/** The causal context a client read, sent back to supersede exactly that (docs/reference/http-api.md). */
export const CONTEXT_HEADER = 'x-ringnest-context';

@ApiTags('store')
@ApiParam({ name: 'key', description: '1 to 1024 bytes; its ring key is ("store", key)' })
@ApiErrorResponses(400, 503, 504)
@Controller('api/store')
@UseFilters(KvHttpErrorsFilter)
export class StoreController {
  constructor(private readonly kv: KvService) {}

  @Put(':key')
  @ApiStoreQuery()
  @HttpCode(200)
  @ApiOperation({ summary: 'Store a JSON value on N replicas; answers once W acknowledged' })
  @ApiBody({ description: 'any JSON value: at most 1 MiB, nested at most 48 levels, no `__proto__` key', schema: {} })
  @ApiHeader(CONTEXT_HEADER_DOC)
  @ApiOkResponse({ description: 'stored', schema: STORED_SCHEMA })
  @ApiErrorResponses(413, 415)
  @ApiConflictResponse({ description: '`too_many_siblings`: the write would give the key more than KV_MAX_SIBLINGS concurrent versions; nothing stored. Send the context of a read to resolve them' })
  async store(@Param('key') key: string, @Query() q: Record<string, unknown>, @Body() body: unknown, @Headers(CONTEXT_HEADER) context?: string) {
    const o = this.options(key, q);
    if (body === undefined || body === null || body === '') throw new BadRequestException('a JSON body is required');
    return storedBody(await this.kv.store(key, body, o, context));
  }

  @Get(':key')
  @ApiStoreQuery()
  @ApiOperation({ summary: 'Read a value from R of its N replicas (stale replicas are repaired)' })
  @ApiOkResponse({ description: 'the value, or not_found', schema: FETCHED_SCHEMA })
  @Header('Content-Type', 'application/json; charset=utf-8')
  async fetch(@Param('key') key: string, @Query() q: Record<string, unknown>): Promise<Buffer> {
    return fetchedJson(key, await this.kv.fetchText(key, this.options(key, q)));
  }

  @Delete(':key')
  @ApiStoreQuery()
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a value; answers once W replicas acknowledged; later reads say not_found' })
  @ApiHeader(CONTEXT_HEADER_DOC)
  @ApiOkResponse({ description: 'deleted', schema: DELETED_SCHEMA })
  async remove(@Param('key') key: string, @Query() q: Record<string, unknown>, @Headers(CONTEXT_HEADER) context?: string) {
    return deletedBody(await this.kv.remove(key, this.options(key, q), context));
  }

  private options(key: string, query: Record<string, unknown>): QuorumOptions {
    const keyProblem = checkKey(key);
    if (keyProblem) throw new BadRequestException(keyProblem);
    const q = parseStoreQuery(query);
    const check = checkQuorum({ n: q.n, w: q.w, r: q.r, pr: q.pr, pw: q.pw, timeoutMs: q.timeout }, this.kv.ringSize());
    if (!check.ok) throw new BadRequestException(check.message);
    return check.options;
  }
}
