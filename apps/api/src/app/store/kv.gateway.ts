/**
 * `/ws/kv` (docs/reference/http-api.md): `store {key, value, n?, w?, pw?, context?}` → `stored`, `fetch {key, n?, r?, pr?}` →
 * `fetched` (the HTTP bodies of the same operations), `watch {key}` → `watching`, then `changed
 * {key, value, context}` for every new value of the key written through any node. Every problem
 * answers `{"event":"error","data":{"code","message"}}` on that socket; nothing else is affected.
 *
 * The node's WebSocket adapter (`NodeWsAdapter`) parses each frame once, answers frames that are
 * not JSON or name another event, closes a socket whose frame is over the HTTP body limit, and drops
 * a client that stops reading; this gateway validates each event's data and delegates. A socket's
 * watches are one `KvWatchSession`: each key once, at most MAX_WATCHES_PER_CLIENT keys
 * (`too_many_watches` beyond), all stopped when the socket closes, even one still starting.
 */
import { HttpException } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { KvChange, KvError, KvService, KvWatchService, KvWatchSession, QuorumOptions, checkKey, checkQuorum } from '@ringnest/coord-kv';
import { FrameSocket, VNODE_ERROR_MESSAGES, VnodeError, sendFrame } from '@ringnest/riak-core';
import { fetchedJson, storedBody } from './store-bodies';

export const KV_WS_PATH = '/ws/kv';

type Reply = { event: string; data: unknown };

function error(code: string, message: string): Reply {
  return { event: 'error', data: { code, message } };
}

function toError(err: unknown): Reply {
  if (err instanceof KvError) return error(err.code, err.message);
  if (err instanceof HttpException) {
    const body = err.getResponse() as { error?: { code?: string; message?: string } } | string;
    if (typeof body === 'object' && body.error?.code) return error(body.error.code, body.error.message ?? err.message);
    return error(err.getStatus() === 400 ? 'bad_request' : `http_${err.getStatus()}`, err.message);
  }
  if (err instanceof VnodeError) return error(err.code, VNODE_ERROR_MESSAGES[err.code]);
  return error('internal', 'internal error');
}

function changedFrame(c: KvChange): string {
  return JSON.stringify({ event: 'changed', data: { key: c.key, value: c.deleted ? null : c.value, context: c.context } });
}

@WebSocketGateway({ path: KV_WS_PATH })
export class KvGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly sessions = new Map<FrameSocket, KvWatchSession>();

  constructor(
    private readonly kv: KvService,
    private readonly watches: KvWatchService,
  ) {}

  /** Open sockets. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  handleConnection(client: FrameSocket): void {
    this.sessions.set(client, this.watches.session((change) => sendFrame(client, changedFrame(change))));
  }

  handleDisconnect(client: FrameSocket): void {
    this.sessions.get(client)?.close();
    this.sessions.delete(client);
  }

  @SubscribeMessage('store')
  async store(@MessageBody() data: unknown): Promise<Reply> {
    try {
      const d = this.record(data);
      const o = this.options(d['key'], d);
      if (!('value' in d)) return error('bad_request', 'store needs a value');
      const context = typeof d['context'] === 'string' ? d['context'] : undefined;
      return { event: 'stored', data: storedBody(await this.kv.store(d['key'] as string, d['value'], o, context)) };
    } catch (err) {
      return toError(err);
    }
  }

  @SubscribeMessage('fetch')
  async fetch(@MessageBody() data: unknown): Promise<Reply> {
    try {
      const d = this.record(data);
      const o = this.options(d['key'], d);
      return { event: 'fetched', data: JSON.parse(fetchedJson(d['key'] as string, await this.kv.fetchText(d['key'] as string, o)).toString('utf8')) as unknown };
    } catch (err) {
      return toError(err);
    }
  }

  @SubscribeMessage('watch')
  async watch(@ConnectedSocket() client: FrameSocket, @MessageBody() data: unknown): Promise<Reply | undefined> {
    try {
      const d = this.record(data);
      this.options(d['key'], {});
      const key = d['key'] as string;
      const outcome = await (this.sessions.get(client)?.watch(key) ?? { kind: 'closed' as const });
      if (outcome.kind === 'too-many') return error('too_many_watches', `a connection watches at most ${outcome.limit} keys`);
      return outcome.kind === 'watching' ? { event: 'watching', data: { key } } : undefined;
    } catch (err) {
      return toError(err);
    }
  }

  private record(data: unknown): Record<string, unknown> {
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new HttpException({ error: { code: 'bad_request', message: 'data must be an object' } }, 400);
    return data as Record<string, unknown>;
  }

  private options(key: unknown, d: Record<string, unknown>): QuorumOptions {
    if (typeof key !== 'string') throw new HttpException({ error: { code: 'bad_request', message: 'key must be a string' } }, 400);
    const problem = checkKey(key);
    if (problem) throw new HttpException({ error: { code: 'bad_request', message: problem } }, 400);
    const num = (k: string) => (d[k] === undefined ? undefined : (d[k] as number));
    const check = checkQuorum({ n: num('n'), w: num('w'), r: num('r'), pr: num('pr'), pw: num('pw'), timeoutMs: num('timeout') }, this.kv.ringSize());
    if (!check.ok) throw new HttpException({ error: { code: 'bad_request', message: check.message } }, 400);
    return check.options;
  }
}
