/**
 * The in-memory twin of ClusterServer: a Nest microservice strategy attached to an
 * InMemoryClusterNetwork at an address, with the same dispatch semantics (ClusterDispatchServer)
 * and the same ClusterContext. Create it with `network.createServer(addr, nodeName)`.
 *
 * Invariants: listen() claims the address (a taken address fails like EADDRINUSE); close()
 * releases it, and requests pending against it fail with 'closed' as on TCP; a reply produced
 * after close() is dropped. Malformed bodies are logged and dropped (no connection to close).
 */
import { Logger, LoggerService } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { WireError, WireMessage } from '../../lib/wire';
import { ClusterContext } from './cluster-context';
import { ClusterDispatchServer } from './cluster-dispatch-server';
import { ClusterListenError } from './cluster-errors';
import { InMemoryHub, InMemoryPeer, InMemoryServerEndpoint } from './in-memory-hub';

export type InMemoryClusterServerEvents = {
  listening: () => void;
  close: () => void;
};

export class InMemoryClusterServer extends ClusterDispatchServer<InMemoryClusterServerEvents> implements InMemoryServerEndpoint {
  private listening = false;
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly hub: InMemoryHub,
    readonly addr: string,
    readonly nodeName: string,
    logger?: LoggerService,
  ) {
    super(logger ?? new Logger('InMemoryClusterServer'));
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    if (this.listening) {
      callback(new Error('the cluster server is already listening'));
      return;
    }
    if (!this.hub.register(this)) {
      this._status$.next('closed');
      callback(new ClusterListenError(this.addr, Object.assign(new Error('address already in use'), { code: 'EADDRINUSE' })));
      return;
    }
    this.listening = true;
    this._status$.next('listening');
    this.emitter.emit('listening');
    callback();
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.hub.unregister(this);
    this.closeDispatch();
    this._status$.next('closed');
    this.emitter.emit('close');
  }

  on<K extends keyof InMemoryClusterServerEvents = keyof InMemoryClusterServerEvents, C extends InMemoryClusterServerEvents[K] = InMemoryClusterServerEvents[K]>(
    event: K,
    callback: C,
  ): void {
    this.emitter.on(event, callback);
  }

  /** The network this server is attached to. */
  unwrap<T>(): T {
    return this.hub as unknown as T;
  }

  receive(from: InMemoryPeer, body: Buffer, reply: (body: Buffer) => void): void {
    if (!this.listening) return;
    let message: WireMessage;
    try {
      message = this.hub.decode(body);
    } catch (err) {
      this.logger.warn(`dropping a message from ${from.node}: ${err instanceof WireError ? `${err.message} (${err.code})` : String(err)}`);
      return;
    }
    if (message.t === 'evt') {
      void this.dispatchEvent(message.pattern, message.data, new ClusterContext([from.node, from.address, message.pattern]));
      return;
    }
    if (message.t !== 'req') {
      this.logger.warn(`dropping an unexpected '${message.t}' message from ${from.node}`);
      return;
    }
    const { id, pattern } = message;
    void this.dispatchRequest(pattern, message.data, new ClusterContext([from.node, from.address, pattern])).then((outcome) => {
      if (!this.listening) return;
      let encoded: Buffer;
      try {
        encoded = this.encodeReply(id, pattern, outcome, (m) => this.hub.encode(m));
      } catch (err) {
        this.logger.error(`no reply at all can be sent for '${pattern}': ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      reply(encoded);
    });
  }
}
