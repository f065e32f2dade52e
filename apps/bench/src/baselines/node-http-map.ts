/**
 * Baseline for `npm run bench -- http`: a bare `node:http` server keeping values in a Map, with the
 * store routes' shape (`PUT`/`GET /api/store/:key`, JSON bodies) and nothing else: no framework,
 * no replication, no disk. Listens on 127.0.0.1:$PORT.
 */
import { createServer } from 'node:http';
import { json as reply, readJsonBody } from './json-body';

const store = new Map<string, string>();
const KEY = /^\/api\/store\/([^/?]+)/;

const server = createServer((req, res) => {
  const json = (status: number, body: string) => reply(res, status, body);
  if (req.url === '/health') return json(200, '{"status":"ok"}');
  const m = KEY.exec(req.url ?? '');
  if (!m) return json(404, '{"error":"not found"}');
  const key = decodeURIComponent(m[1]);
  if (req.method === 'GET') {
    const value = store.get(key);
    return value === undefined ? json(404, '{"error":"not found"}') : json(200, `{"value":${value}}`);
  }
  if (req.method !== 'PUT') return json(405, '{"error":"method not allowed"}');
  readJsonBody(req, res, (_body, text) => {
    store.set(key, text);
    json(200, '{"ok":true}');
  });
});

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
