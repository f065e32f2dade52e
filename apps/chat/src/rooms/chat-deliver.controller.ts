/**
 * Receives room events other chat nodes fan out to this node's connections (`chat.deliver` on the
 * cluster transport), and requests to re-assert this node's members (`chat.resync`).
 */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { CHAT_DELIVER_PATTERN, CHAT_RESYNC_PATTERN, DeliverReply, isDeliverRequest } from './chat-commands';
import { RingRoomDirectory } from './ring-room-directory';

@Controller()
export class ChatDeliverController {
  constructor(private readonly rooms: RingRoomDirectory) {}

  @MessagePattern(CHAT_DELIVER_PATTERN)
  deliver(@Payload() data: unknown): DeliverReply {
    if (!isDeliverRequest(data)) throw new RpcException({ code: 'bad-request', message: 'chat.deliver needs an event and connections' });
    return this.rooms.deliverLocal(data.event, data.connections);
  }

  @MessagePattern(CHAT_RESYNC_PATTERN)
  resync(): { ok: true } {
    void this.rooms.resync();
    return { ok: true };
  }
}
