/** Liveness and readiness probes (SPEC §6). */
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ringReady } from '../../lib';
import { RingManager } from '../ring-manager.service';

@Controller()
export class HealthController {
  constructor(private readonly rings: RingManager) {}

  @Get('health')
  health() {
    return { status: 'ok', node: this.rings.self };
  }

  @Get('ready')
  ready() {
    const r = ringReady(this.rings.current);
    if (!r.ready) throw new ServiceUnavailableException(`ring not ready: waiting for ${r.notSeen.join(', ')}`);
    return { status: 'ready', node: this.rings.self };
  }
}
