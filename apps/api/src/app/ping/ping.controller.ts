/** `GET /api/ping`, `?n=`, `?key=` (docs/reference/http-api.md): validate, delegate to the ping service. Vnode failures map to 503/504 in the app's error filter. */
import { Controller, Get, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@ringnest/riak-core';
import { PingQueryDto } from './ping-query.dto';
import { PingService } from './ping.service';
import { Pong } from './ping.vnode';

const PONG = { type: 'object', required: ['pong', 'node'], properties: { pong: { type: 'string', description: 'the partition id, in decimal' }, node: { type: 'string' } } };

@ApiTags('ping')
@Controller('api/ping')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, stopAtFirstError: true }))
export class PingController {
  constructor(private readonly service: PingService) {}

  @Get()
  @ApiOperation({ summary: 'The vnode the current time (or `key`) hashes to' })
  @ApiOkResponse({ description: 'a pong, or with `n` the pongs of n consecutive partitions', schema: { oneOf: [PONG, { type: 'object', required: ['data'], properties: { data: { type: 'array', items: PONG } } }] } })
  @ApiErrorResponses(400, 503, 504)
  async ping(@Query() q: PingQueryDto): Promise<Pong | { data: Pong[] }> {
    return q.n === undefined ? this.service.ping(q.key) : { data: await this.service.pingN(q.n, q.key) };
  }
}
