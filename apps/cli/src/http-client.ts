/**
 * The HTTP client of a node's admin API: addresses, bearer authentication, timeouts,
 * and the classification of every outcome (answered, unreachable, timed out, dropped).
 */
import * as http from 'node:http';
import { parseJson } from './output';

/** A node's HTTP address as the user typed it (`host:port`). */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
  /** The address exactly as typed, used in messages. */
  readonly label: string;
}

/** Parses `host:port` (or `[v6]:port`); undefined when malformed. */
export function parseNodeAddress(text: string): NodeAddress | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:/[\]]+):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: match[1], port, label: text };
}

/** Every way a request can end. */
export type HttpOutcome =
  | { kind: 'answer'; status: number; statusText: string; body: string; json: unknown }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'dropped'; reason: string };

export interface RequestOptions {
  /** A request body, sent verbatim (as application/json). */
  body?: string;
  timeoutMs: number;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause === err ? undefined : errorCode(cause);
}

/** Talks to one node; sends `Authorization: Bearer <token>` when a token is configured. */
export class AdminClient {
  constructor(
    readonly node: NodeAddress,
    private readonly token?: string,
  ) {}

  /**
   * A request to the node. Every request but a GET says `Content-Type: application/json`, body or
   * not: a node refuses (415) a request that changes something without it.
   */
  request(method: string, path: string, options: RequestOptions): Promise<HttpOutcome> {
    const headers: Record<string, string> = { accept: 'application/json', connection: 'close' };
    const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
    if (method !== 'GET') headers['content-type'] = 'application/json';
    if (body !== undefined) headers['content-length'] = String(body.length);
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    return new Promise<HttpOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      let req: http.ClientRequest;
      try {
        req = http.request({ host: this.node.host, port: this.node.port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => finish({ kind: 'dropped', reason: errorCode(err) ?? err.message }));
          res.on('close', () => {
            if (!res.complete) finish({ kind: 'dropped', reason: 'connection closed mid-answer' });
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish({
              kind: 'answer',
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              body: text,
              json: parseJson(text),
            });
          });
        });
      } catch (err: unknown) {
        resolve({ kind: 'dropped', reason: err instanceof Error ? err.message : String(err) });
        return;
      }
      // every callback that calls finish runs after this assignment
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', timeoutMs: options.timeoutMs });
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (err) => {
        const code = errorCode(err);
        const reason = code ?? err.message;
        finish(code !== undefined && UNREACHABLE_CODES.has(code) ? { kind: 'unreachable', reason } : { kind: 'dropped', reason });
      });
      req.end(body);
    });
  }
}

/** A duration for messages: `200 ms`, `30 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The one line printed when a request got no HTTP answer. */
export function failureLine(node: NodeAddress, outcome: Exclude<HttpOutcome, { kind: 'answer' }>): string {
  switch (outcome.kind) {
    case 'unreachable':
      return `Node ${node.label} is not reachable!`;
    case 'timeout':
      return `Node ${node.label} did not answer within ${formatDuration(outcome.timeoutMs)}`;
    case 'dropped':
      return `Node ${node.label} did not answer (${outcome.reason})`;
  }
}
