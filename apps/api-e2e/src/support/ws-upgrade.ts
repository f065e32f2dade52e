import WebSocket from 'ws';
import { NodeProcess } from './cluster';

/**
 * Try a WebSocket upgrade of `path` on node `n`, with an `Origin` and a `Host` header if given:
 * 101 once it opens (the socket is then dropped), or the refusal's status and JSON body.
 */
export function upgrade(n: NodeProcess, path: string, opts: { origin?: string; host?: string }): Promise<{ status: number; body?: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${n.spec.httpPort}${path}`, { ...(opts.origin ? { origin: opts.origin } : {}), headers: opts.host ? { host: opts.host } : {} });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('error', (err) => reject(err));
  });
}
