/**
 * The handlers of the transport's end-to-end tests: echo, the peer's identity, refusals, failures,
 * slow and large answers, observables and events (`received`).
 */
import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { of, throwError } from 'rxjs';
import { ClusterContext } from '../src/nest/transport/cluster-context';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const received: unknown[] = [];

@Controller()
class TestController {
  @MessagePattern('echo')
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  @MessagePattern('whoami')
  whoami(@Ctx() ctx: ClusterContext): { node: string; address: string; pattern: string } {
    return { node: ctx.getPeerNode(), address: ctx.getPeerAddress(), pattern: ctx.getPattern() };
  }

  @MessagePattern('refuse')
  refuse(): never {
    throw new RpcException({ code: 'not-owner', message: 'ask n2', owner: 'n2' });
  }

  @MessagePattern('crash')
  crash(): never {
    throw new Error('boom');
  }

  @MessagePattern('reject-string')
  async rejectString(): Promise<never> {
    await sleep(1);
    throw new RpcException('plain refusal');
  }

  @MessagePattern('stream')
  stream(): unknown {
    return of(1, 2, 3);
  }

  @MessagePattern('stream-error')
  streamError(): unknown {
    return throwError(() => new RpcException({ code: 'stream-failed', message: 'no luck' }));
  }

  @MessagePattern('slow')
  async slow(@Payload() ms: number): Promise<string> {
    await sleep(ms);
    return `slept ${ms}`;
  }

  @MessagePattern('unserialisable')
  unserialisable(): unknown {
    return { s: Symbol('nope') };
  }

  @EventPattern('note')
  note(@Payload() data: unknown): void {
    received.push(data);
  }
}

@Module({ controllers: [TestController] })
export class TestModule {}
