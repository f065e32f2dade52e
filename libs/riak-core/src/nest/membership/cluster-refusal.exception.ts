/**
 * An operator request that the cluster refuses (docs/reference/cli.md): carries the stable code and the exact
 * line to show. The admin API maps it to a 4xx/5xx JSON error; over the transport it travels as
 * an RpcException with the same code and message.
 */
import { Refused, RefusalCode } from '../../lib';

export class ClusterRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterRefusal';
  }

  static of(r: Refused): ClusterRefusal {
    return new ClusterRefusal(r.code, r.message);
  }
}
