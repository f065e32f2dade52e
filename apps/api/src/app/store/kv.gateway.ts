/**
 * `/ws/kv` (SPEC §6): `store {key, value, n?, w?, context?}` → `stored`, `fetch {key, n?, r?}` →
 * `fetched` (the HTTP bodies of the same operations), `watch {key}` → `changed {key, value,
 * context}` for every new value of the key written through any node. Every problem — a frame that
 * is not JSON, an unknown event, bad options, a quorum failure — answers
 * `{"event":"error","data":{"code","message"}}` on that socket; nothing else is affected.
 */
import { HttpException } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { KvService, QuorumOptions, KvWatchService, checkKey, checkQuorum } from '@ringnest/coord-kv';
import type { WebSocket } from 'ws';
import { fetchedBody, storedBody } from './store-bodies';

const EVENTS = new Set(['store', 'fetch', 'watch']);

interface Frame {
  event: string;
  data: unknown;
}

type Reply = { event: string; data: unknown };

function error(code: string, message: string): Reply {
  return { event: 'error', data: { code, message } };
}

function toError(err: unknown): Reply {
  if (err instanceof HttpException) {
    const body = err.getResponse() as { error?: { code?: string; message?: string } } | string;
    if (typeof body === 'object' && body.error?.code) return error(body.error.code, body.error.message ?? err.message);
    return error(err.getStatus() === 400 ? 'bad_request' : `http_${err.getStatus()}`, err.message);
  }
  return error('internal', 'internal error');
}

@WebSocketGateway({ path: '/ws/kv' })
export class KvGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly unwatch = new Map<WebSocket, (() => void)[]>();

  constructor(
    private readonly kv: KvService,
    private readonly watches: KvWatchService,
  ) {}

  handleConnection(client: WebSocket): void {
    // Nest's adapter drops frames it cannot route; tell the client instead.
    client.on('message', (raw: Buffer) => {
      let frame: Partial<Frame>;
      try {
        frame = JSON.parse(raw.toString('utf8')) as Partial<Frame>;
      } catch {
        return this.send(client, error('bad_frame', 'frames are JSON objects {"event": ..., "data": ...}'));
      }
      if (!frame || typeof frame !== 'object' || typeof frame.event !== 'string' || !EVENTS.has(frame.event)) {
        this.send(client, error('bad_frame', `unknown event; known: ${[...EVENTS].join(', ')}`));
      }
    });
  }

  handleDisconnect(client: WebSocket): void {
    for (const stop of this.unwatch.get(client) ?? []) stop();
    this.unwatch.delete(client);
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
      return { event: 'fetched', data: fetchedBody(d['key'] as string, await this.kv.fetch(d['key'] as string, o)) };
    } catch (err) {
      return toError(err);
    }
  }

  @SubscribeMessage('watch')
  async watch(@ConnectedSocket() client: WebSocket, @MessageBody() data: unknown): Promise<Reply> {
    try {
      const d = this.record(data);
      this.options(d['key'], {});
      const key = d['key'] as string;
      const stop = await this.watches.watch(key, (c) => this.send(client, { event: 'changed', data: { key: c.key, value: c.deleted ? null : c.value, context: c.context } }));
      this.unwatch.set(client, [...(this.unwatch.get(client) ?? []), stop]);
      return { event: 'watching', data: { key } };
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
    const check = checkQuorum({ n: num('n'), w: num('w'), r: num('r'), timeoutMs: num('timeout') }, this.kv.ringSize());
    if (!check.ok) throw new HttpException({ error: { code: 'bad_request', message: check.message } }, 400);
    return check.options;
  }

  private send(client: WebSocket, reply: Reply): void {
    if (client.readyState === client.OPEN) client.send(JSON.stringify(reply));
  }
}
