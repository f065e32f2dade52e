/** Receives the changes other nodes publish (`kv.changed` on the cluster transport). */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { isNodeName } from '@ringnest/riak-core';
import { KV_CHANGED_PATTERN, KV_INTEREST_PATTERN, KvWatchService, isKvChangeMessage } from './kv-watch.service';

@Controller()
export class KvWatchController {
  constructor(private readonly watches: KvWatchService) {}

  @MessagePattern(KV_CHANGED_PATTERN)
  changed(@Payload() data: unknown): { ok: true } {
    if (!isKvChangeMessage(data)) throw new RpcException({ code: 'bad-request', message: 'kv.changed needs key, deleted, context and the value as bytes' });
    try {
      this.watches.received(data);
    } catch {
      throw new RpcException({ code: 'bad-request', message: 'kv.changed: the value is not JSON text' });
    }
    return { ok: true };
  }

  @MessagePattern(KV_INTEREST_PATTERN)
  interest(@Payload() data: { node?: unknown; on?: unknown }): { ok: true } {
    if (!isNodeName(data?.node) || typeof data.on !== 'boolean') throw new RpcException({ code: 'bad-request', message: 'kv.interest needs node and on' });
    this.watches.interest(data.node, data.on);
    return { ok: true };
  }
}
