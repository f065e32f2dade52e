/**
 * The dispatch semantics shared by the TCP ClusterServer and its in-memory twin, so that both
 * answer a request identically:
 * - the pattern is resolved with Nest's own `getHandlerByPattern` (handlers registered with
 *   `@MessagePattern` / `@EventPattern`); an unknown pattern answers error code 'no-handler';
 * - the handler gets `(data, ClusterContext)`; its return value, promise or observable is awaited
 *   (an observable answers with its last value, or undefined if it completes empty);
 * - a throw, a rejection or an observable error answers an error reply (remote-error.ts);
 * - a result that cannot be encoded answers error code 'bad-reply' instead of vanishing.
 * Nest's processing hooks (onProcessingStartHook/EndHook) wrap every dispatch, as in ServerTCP.
 * Dispatch never throws and its promise never rejects.
 */
import { LoggerService } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ErrorReplyMessage, PROTOCOL_VERSION, ReplyMessage, WIRE_LIMITS, WireError, truncateText } from '../../lib/wire';
import { ClusterContext } from './cluster-context';
import { BAD_REPLY_ERROR_CODE, NO_HANDLER_ERROR_CODE, RemoteError, toRemoteError } from './remote-error';
import { WarnThrottle } from './warn-throttle';

/** The transport id handlers can name in `@MessagePattern(pattern, CLUSTER_TRANSPORT)`. */
export const CLUSTER_TRANSPORT: unique symbol = Symbol('RINGNEST_CLUSTER_TRANSPORT');

export type DispatchOutcome = { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly error: RemoteError };

export type ClusterServerStatus = 'listening' | 'closed';

// Server's own constraint on event maps (Record<string, Function>) is reproduced here.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EventsMap = Record<string, Function>;

export abstract class ClusterDispatchServer<E extends EventsMap = EventsMap>
  extends Server<E, ClusterServerStatus>
  implements CustomTransportStrategy
{
  protected override readonly logger: LoggerService;
  /** events nobody handles: a peer (perhaps newer, perhaps hostile) can send them at will */
  private readonly unhandledEvents: WarnThrottle;

  protected constructor(logger: LoggerService) {
    super();
    this.logger = logger;
    this.transportId = CLUSTER_TRANSPORT;
    this.unhandledEvents = new WarnThrottle(logger, { what: 'events with no handler dropped' });
  }

  /** Subclasses call this from close(): logs the throttle's last summary and clears its timer. */
  protected closeDispatch(): void {
    this.unhandledEvents.close();
  }

  /**
   * The route of an incoming pattern. Cluster patterns are plain strings, registered as they are
   * (`@MessagePattern('kv.put')`), so their route is the pattern itself; Nest's own lookup first
   * tries `JSON.parse` on every pattern, which throws (and builds a stack trace) for each ordinary
   * one: measurable under a burst of small requests. An object pattern (JSON) still goes through it.
   */
  protected override getRouteFromPattern(pattern: string): string {
    return pattern.startsWith('{') ? super.getRouteFromPattern(pattern) : pattern;
  }

  /** Run the handler of a request; resolves with its outcome, never rejects. */
  protected dispatchRequest(pattern: string, data: unknown, ctx: ClusterContext): Promise<DispatchOutcome> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      return Promise.resolve({ ok: false, error: { code: NO_HANDLER_ERROR_CODE, message: `no handler for pattern '${pattern}'` } });
    }
    return new Promise<DispatchOutcome>((resolve) => {
      const run = async (): Promise<void> => {
        try {
          const result: unknown = await handler(data, ctx);
          const value: unknown = await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          resolve({ ok: true, data: value });
        } catch (err) {
          resolve({ ok: false, error: toRemoteError(err) });
        } finally {
          this.onProcessingEndHook?.(this.transportId ?? CLUSTER_TRANSPORT, ctx);
        }
      };
      try {
        this.onProcessingStartHook(this.transportId ?? CLUSTER_TRANSPORT, ctx, run);
      } catch (err) {
        resolve({ ok: false, error: toRemoteError(err) });
      }
    });
  }

  /** Deliver an event to its handlers; failures are logged, never thrown. */
  protected dispatchEvent(pattern: string, data: unknown, ctx: ClusterContext): Promise<void> {
    if (!this.getHandlerByPattern(pattern)) {
      this.unhandledEvents.warn(`dropped an event with no handler: '${truncateText(pattern, 100)}'`);
      return Promise.resolve();
    }
    return this.handleEvent(pattern, { pattern, data }, ctx).then(
      () => undefined,
      (err: unknown) => this.logger.error(`event handler for '${pattern}' failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
  }

  /**
   * Encode the reply to request `id`. When the outcome cannot be encoded (a non-serialisable
   * result or details, or a reply over the frame limit) the reply degrades to an error the client
   * can understand: first without details, then 'bad-reply'. `encode` throws WireError.
   */
  protected encodeReply<T>(id: number, pattern: string, outcome: DispatchOutcome, encode: (m: ReplyMessage | ErrorReplyMessage) => T): T {
    const v = PROTOCOL_VERSION;
    const attempts: Array<ReplyMessage | ErrorReplyMessage> = [];
    if (outcome.ok) {
      attempts.push({ t: 'res', v, id, data: outcome.data });
    } else {
      const { code, message, details } = outcome.error;
      if (details !== undefined) attempts.push({ t: 'err', v, id, code, message, details });
      attempts.push({ t: 'err', v, id, code, message });
    }
    let failure = 'unknown error';
    for (const message of attempts) {
      try {
        return encode(message);
      } catch (err) {
        failure = err instanceof WireError ? err.message : String(err);
      }
    }
    this.logger.warn(`reply to '${pattern}' cannot be sent: ${failure}`);
    const message = truncateText(`the reply to '${pattern}' cannot be sent: ${failure}`, WIRE_LIMITS.messageChars);
    return encode({ t: 'err', v, id, code: BAD_REPLY_ERROR_CODE, message });
  }
}
