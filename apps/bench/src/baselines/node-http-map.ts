/**
 * Baseline for `npm run bench -- http`: a bare `node:http` server keeping values in a Map, with the
 * store routes' shape (`PUT`/`GET /api/store/:key`, JSON bodies) and nothing else: no framework,
 * no replication, no disk. Listens on 127.0.0.1:$PORT.
 */
import { createServer } from 'node:http';

const store = new Map<string, string>();
const KEY = /^\/api\/store\/([^/?]+)/;
const MAX_BODY = 1 << 20;

const server = createServer((req, res) => {
  const json = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  if (req.url === '/health') return json(200, '{"status":"ok"}');
  const m = KEY.exec(req.url ?? '');
  if (!m) return json(404, '{"error":"not found"}');
  const key = decodeURIComponent(m[1]);
  if (req.method === 'GET') {
    const value = store.get(key);
    return value === undefined ? json(404, '{"error":"not found"}') : json(200, `{"value":${value}}`);
  }
  if (req.method !== 'PUT') return json(405, '{"error":"method not allowed"}');
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return json(413, '{"error":"too large"}');
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(body);
    } catch {
      return json(400, '{"error":"bad json"}');
    }
    store.set(key, body);
    json(200, '{"ok":true}');
  });
});

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
