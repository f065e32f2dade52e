/** Liveness and readiness probes (docs/reference/http-api.md). */
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ringReady } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { ApiErrorResponses } from './api-error-responses.decorator';

const probe = (status: string) => ({
  schema: { type: 'object', required: ['status', 'node'], properties: { status: { type: 'string', enum: [status] }, node: { type: 'string' } } },
});

@ApiTags('node')
@Controller()
export class HealthController {
  constructor(private readonly rings: RingManager) {}

  @Get('health')
  @ApiOkResponse({ description: 'the node serves HTTP', ...probe('ok') })
  health() {
    return { status: 'ok', node: this.rings.self };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'this node is a member, its ring is on disk, and every member has seen the current ring', ...probe('ready') })
  @ApiErrorResponses(503)
  ready() {
    if (!this.rings.persisted) throw new ServiceUnavailableException('the ring cannot be written to DATA_DIR (see the node log)');
    const r = ringReady(this.rings.current);
    if (!r.ready) throw new ServiceUnavailableException(`ring not ready: waiting for ${r.notSeen.join(', ')}`);
    return { status: 'ready', node: this.rings.self };
  }
}
