/**
 * Receives room events other chat nodes fan out to this node's connections (`chat.deliver` on the
 * cluster transport), requests to re-assert this node's members (`chat.resync`), and questions
 * about which of its connections still exist (`chat.held`, asked for the members of idle rooms).
 */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { CHAT_DELIVER_PATTERN, CHAT_HELD_PATTERN, CHAT_RESYNC_PATTERN, DeliverReply, HeldReply, isDeliverRequest, isHeldRequest } from './chat-commands';
import { ConnectionRegistry } from './connection-registry';
import { MemberResync } from './member-resync';

@Controller()
export class ChatDeliverController {
  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly members: MemberResync,
  ) {}

  @MessagePattern(CHAT_DELIVER_PATTERN)
  deliver(@Payload() data: unknown): DeliverReply {
    if (!isDeliverRequest(data)) throw new RpcException({ code: 'bad-request', message: 'chat.deliver needs an event and connections' });
    return this.connections.deliverLocal(data.event, data.connections);
  }

  @MessagePattern(CHAT_RESYNC_PATTERN)
  resync(): { ok: true } {
    void this.members.resync();
    return { ok: true };
  }

  @MessagePattern(CHAT_HELD_PATTERN)
  held(@Payload() data: unknown): HeldReply {
    if (!isHeldRequest(data)) throw new RpcException({ code: 'bad-request', message: 'chat.held needs rooms and their connections' });
    return { gone: data.rooms.map(({ room, connections }) => ({ room, connections: this.connections.notHeld(room, connections) })) };
  }
}
