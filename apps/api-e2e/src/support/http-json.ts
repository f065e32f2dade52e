/**
 * The HTTP client of the cluster tests: `node:http` over one keep-alive agent. The specs send
 * tens of thousands of requests (10,000 keys written and read back twice in the handoff spec), and
 * the global `fetch` costs the test process 2–3 times the CPU per request of `node:http` here
 * (about 370 against 76 µs per PUT to one node), which on two cores is taken from the nodes under test.
 */
import { Agent, request } from 'node:http';

/** Idle sockets are unreferenced by the agent, so they keep no test process alive. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** One request; resolves with the whole reply, rejects on a socket error or after `timeoutMs`. */
export function httpRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<HttpReply> {
  const { method = 'GET', headers = {}, body, timeoutMs = 60_000 } = init;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no reply in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A request whose reply is JSON (a body that is not JSON throws, naming the request). */
export async function httpJson<T = unknown>(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const reply = await httpRequest(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  try {
    return { status: reply.status, body: JSON.parse(reply.text) as T };
  } catch {
    throw new Error(`${method} ${url}: ${reply.status}, not JSON: ${reply.text.slice(0, 200)}`);
  }
}
