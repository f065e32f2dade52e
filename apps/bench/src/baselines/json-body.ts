/** The request body of a baseline's PUT: at most 1 MiB of JSON, else the error answer (413, 400) is sent and `onBody` is not called. */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 1 << 20;

export function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

export function readJsonBody(req: IncomingMessage, res: ServerResponse, onBody: (body: Buffer, text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return json(res, 413, '{"error":"too large"}');
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    try {
      JSON.parse(text);
    } catch {
      return json(res, 400, '{"error":"bad json"}');
    }
    onBody(body, text);
  });
}
