/** Anti-entropy requests from other nodes: a tree's hashes and keys for their exchanges, and this node's status. */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { HashTree, answerHashes, answerKeys } from '../../lib';
import { Patterns } from '../transport/patterns';
import { badRequest } from '../transport/rpc-errors';
import { AntiEntropyService } from './anti-entropy.service';
import { AaeHashesRequest, AaeKeysRequest, AaeTreeRef } from './aae-remote';

@Controller()
export class AaeMessagesController {
  constructor(private readonly aae: AntiEntropyService) {}

  @MessagePattern(Patterns.aaeHashes)
  hashes(@Payload() data: Partial<AaeHashesRequest>): { hashes: Uint8Array } {
    const answer = answerHashes(this.tree(data), data.level, data.indices);
    if (answer.kind === 'refused') throw badRequest(answer.reason);
    return { hashes: answer.hashes };
  }

  @MessagePattern(Patterns.aaeKeys)
  keys(@Payload() data: Partial<AaeKeysRequest>): { segments: unknown } {
    const answer = answerKeys(this.tree(data), data.segments);
    if (answer.kind === 'refused') throw badRequest(answer.reason);
    return { segments: answer.segments };
  }

  @MessagePattern(Patterns.aaeStatus)
  status() {
    return this.aae.status();
  }

  private tree(data: Partial<AaeTreeRef> | undefined): HashTree {
    if (typeof data?.service !== 'string' || !Number.isInteger(data.index) || !Number.isInteger(data.range)) throw badRequest('aae requests need service, index and range');
    const tree = this.aae.requestedTree(data.service, data.index as number, data.range as number);
    if (tree === 'not-ready') throw new RpcException({ code: 'not-ready', message: `the trees of ${data.service}/${data.index} are not built yet` });
    if (typeof tree === 'string') throw badRequest(tree);
    return tree;
  }
}
