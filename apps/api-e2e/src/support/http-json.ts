/**
 * The HTTP client of the cluster tests: `node:http` over one keep-alive agent. The specs send
 * tens of thousands of requests (10,000 keys written and read back twice in the handoff spec), and
 * the global `fetch` costs the test process 2–3 times the CPU per request of `node:http` here
 * (about 370 against 76 µs per PUT to one node), which on two cores is taken from the nodes under test.
 */
import { Agent, request } from 'node:http';

/** Idle sockets are unreferenced by the agent, so they keep no test process alive. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const TIMEOUT_MS = 60_000;

/**
 * One request whose reply is JSON (a body that is not JSON throws, naming the request); rejects on a
 * socket error or when no reply came within a minute.
 */
export function httpJson<T = unknown>(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const reply = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(reply) as T });
        } catch {
          reject(new Error(`${method} ${url}: ${res.statusCode}, not JSON: ${reply.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`${method} ${url}: no reply in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(text);
  });
}
