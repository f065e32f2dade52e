/** Vnode commands from other nodes on the cluster transport, handed to the vnode master. */
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { isNodeName } from '../../lib';
import { ClusterContext } from '../transport';
import { Patterns } from '../transport/patterns';
import { badRequest } from '../transport/rpc-errors';
import { RemoteVnodeRequest, VnodeMaster } from './vnode-master.service';
import { VnodeError } from './vnode-error';

@Controller()
export class VnodeMessagesController {
  constructor(private readonly master: VnodeMaster) {}

  @MessagePattern(Patterns.vnodeCommand)
  async vnodeCommand(@Payload() data: Partial<RemoteVnodeRequest>, @Ctx() ctx: ClusterContext): Promise<unknown> {
    if (typeof data?.service !== 'string' || typeof data.index !== 'number' || (data.kind !== 'command' && data.kind !== 'coverage')) {
      throw badRequest('vnode.command needs service, index and kind');
    }
    if (data.keySpaces !== undefined && !(Array.isArray(data.keySpaces) && data.keySpaces.every((k) => Number.isInteger(k)))) throw badRequest('keySpaces must be partition indices');
    // The peer proved its name in the handshake before any request reaches a handler.
    const from = ctx.getPeerNode();
    if (!isNodeName(from)) throw badRequest('vnode.command from a peer without a node name');
    try {
      return await this.master.handleRemote(data as RemoteVnodeRequest, from);
    } catch (err) {
      if (err instanceof VnodeError) throw new RpcException({ code: err.code, message: err.message });
      throw err;
    }
  }
}
