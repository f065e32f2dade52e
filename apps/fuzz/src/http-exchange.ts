/**
 * HTTP/1.1 requests written byte for byte (so headers, paths and bodies can be anything, which a
 * client library would refuse to send), and the judgement of the answer: a complete request must be
 * answered with a status line (unless a reset over an unread body may have eaten it), and never
 * with a 5xx other than 502/503/504 (the API's quorum and upstream answers); a 500 is an exception
 * the edge did not expect.
 */
import { exchange } from './net-exchange';
import { InputFailure } from './target';

export interface HttpRequest {
  readonly method: string;
  /** the request target as written on the request line (not encoded here) */
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

export interface HttpAnswer {
  readonly status: number | undefined;
  readonly head: string;
  readonly body: Buffer;
}

/** The bytes of a request: `Host`, the headers given, `Content-Length` for a body, `Connection: close`. */
export function requestBytes(req: HttpRequest, port: number): Buffer {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...req.headers.map(([k, v]) => `${k}: ${v}`)];
  if (req.body !== undefined) lines.push(`Content-Length: ${req.body.length}`);
  lines.push('Connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), req.body ?? Buffer.alloc(0)]);
}

/** Status, head and body (as sent, not de-chunked) of the bytes an HTTP server answered. */
export function parseAnswer(bytes: Buffer): HttpAnswer {
  const end = bytes.indexOf('\r\n\r\n');
  const head = (end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return { status: m ? Number(m[1]) : undefined, head, body: end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4) };
}

/** Throws InputFailure for a 5xx that is not 502, 503 or 504. */
export function checkStatus(a: HttpAnswer, what: string): void {
  if (a.status !== undefined && a.status >= 500 && ![502, 503, 504].includes(a.status)) {
    throw new InputFailure(`${what} answered ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`, `${what.split(' ')[0]} answered ${a.status}`);
  }
}

/** Send one complete request and wait (up to `deadlineMs`) for the whole answer; judge it. */
export async function sendHttp(port: number, req: HttpRequest, deadlineMs = 20_000): Promise<HttpAnswer> {
  const e = await exchange({ port, pieces: [requestBytes(req, port)], waitMs: deadlineMs });
  if (e.connectError) throw new InputFailure(`cannot connect to the HTTP port: ${e.connectError}`);
  const answer = parseAnswer(e.received);
  const what = `${req.method} ${req.path.slice(0, 120)}`;
  if (answer.status === undefined) {
    // A server that refuses a request before reading its body (431, 413, 400 on the headers) and then
    // closes makes the kernel reset the connection over the unread body, and the reset may discard
    // the answer before we read it: not a fault of the node's logic, so not counted.
    if (e.closedByServer && req.body !== undefined && req.body.length > 0) return answer;
    const problem = e.closedByServer ? 'the connection closed without an answer' : `no answer within ${deadlineMs} ms`;
    throw new InputFailure(`${what}: ${problem}`, `${req.method}: ${problem}`);
  }
  checkStatus(answer, what);
  return answer;
}
