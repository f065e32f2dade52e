/**
 * What a handler on the cluster transport knows about the request it serves:
 * `@Ctx() ctx: ClusterContext` in a `@MessagePattern` or `@EventPattern` handler.
 * The peer node name is the one the peer proved in the handshake, never a claim inside a payload.
 */
import { BaseRpcContext } from '@nestjs/microservices';

export type ClusterContextArgs = [peerNode: string, peerAddress: string, pattern: string];

export class ClusterContext extends BaseRpcContext<ClusterContextArgs> {
  /** The authenticated node name of the peer that sent this message. */
  getPeerNode(): string {
    return this.args[0];
  }

  /** The peer's side of the connection ("host:port" of its socket, not its listening address). */
  getPeerAddress(): string {
    return this.args[1];
  }

  /** The pattern the message was sent to. */
  getPattern(): string {
    return this.args[2];
  }
}
