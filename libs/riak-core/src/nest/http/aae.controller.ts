/** The admin API of active anti-entropy: every member's trees and exchanges (`./ringnest aae-status`). */
import { Get } from '@nestjs/common';
import { formatAaeStatus } from '../../lib';
import { AntiEntropyService } from '../aae/anti-entropy.service';
import { AdminApi, AdminRoute } from './admin-route';

@AdminApi()
export class AaeController {
  constructor(private readonly aae: AntiEntropyService) {}

  @Get('aae')
  @AdminRoute("Every member's anti-entropy trees and the last run of each exchange (like riak-admin aae-status)")
  async status() {
    const status = await this.aae.clusterStatus();
    return { ...status, text: formatAaeStatus(status) };
  }
}
