/** The error a cluster message handler throws for a malformed request: code `bad-request`. */
import { RpcException } from '@nestjs/microservices';

export function badRequest(message: string): RpcException {
  return new RpcException({ code: 'bad-request', message });
}
