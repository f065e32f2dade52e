/**
 * `PUT/GET/DELETE /api/store/:key` (SPEC §6): validate, delegate to the KV service, shape the
 * body. Quorum failures are HTTP exceptions carrying the SPEC error body (503, 504).
 */
import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Put, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { KvService, QuorumOptions, checkKey, checkQuorum } from '@ringnest/coord-kv';
import { StoreQueryDto } from './store-query.dto';

@Controller('api/store')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }))
export class StoreController {
  constructor(private readonly kv: KvService) {}

  @Put(':key')
  @HttpCode(200)
  async store(@Param('key') key: string, @Query() q: StoreQueryDto, @Body() body: unknown) {
    const o = this.options(key, q);
    if (body === undefined || body === null || body === '') throw new BadRequestException('a JSON body is required');
    const { acks } = await this.kv.store(key, body, o);
    return { data: new Array<boolean>(acks).fill(true) };
  }

  @Get(':key')
  async fetch(@Param('key') key: string, @Query() q: StoreQueryDto) {
    const result = await this.kv.fetch(key, this.options(key, q));
    if (result.kind === 'not-found') return { data: 'not_found' };
    return { data: result.replicas.map((v) => ({ [key]: v })), value: result.value };
  }

  @Delete(':key')
  @HttpCode(200)
  async remove(@Param('key') key: string, @Query() q: StoreQueryDto) {
    const { acks } = await this.kv.remove(key, this.options(key, q));
    return { data: new Array<boolean>(acks).fill(true) };
  }

  private options(key: string, q: StoreQueryDto): QuorumOptions {
    const keyProblem = checkKey(key);
    if (keyProblem) throw new BadRequestException(keyProblem);
    const check = checkQuorum({ n: q.n, w: q.w, r: q.r, timeoutMs: q.timeout }, this.kv.ringSize());
    if (!check.ok) throw new BadRequestException(check.message);
    return check.options;
  }
}
