/** `GET /api/ping`, `?n=`, `?key=` (SPEC §6): validate, delegate to the ping service. Vnode failures map to 503/504 in the app's error filter. */
import { Controller, Get, Query, UsePipes, ValidationPipe } from '@nestjs/common';
import { PingQueryDto } from './ping-query.dto';
import { PingService } from './ping.service';
import { Pong } from './ping.vnode';

@Controller('api/ping')
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, stopAtFirstError: true }))
export class PingController {
  constructor(private readonly service: PingService) {}

  @Get()
  async ping(@Query() q: PingQueryDto): Promise<Pong | { data: Pong[] }> {
    return q.n === undefined ? this.service.ping(q.key) : { data: await this.service.pingN(q.n, q.key) };
  }
}
