/**
 * One WebSocket conversation with a node's gateway: an upgrade (possibly with a foreign `Origin` or
 * `Host`), frames of every kind (text, binary, fragmented, oversize, pings), then a sentinel the
 * gateway must answer. Judged: a refused upgrade is fine only when a header was foreign, and never
 * a 5xx; a socket the server closes must close with a code that names a client fault (never 1011,
 * internal error); a socket left open must answer the sentinel in time.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { Socket, connect } from 'node:net';
import { InputFailure } from './target';

export type WsFrame =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Buffer }
  | { readonly kind: 'fragmented'; readonly text: string; readonly parts: number }
  | { readonly kind: 'big'; readonly bytes: number }
  | { readonly kind: 'ping'; readonly bytes: Buffer };

export interface WsInput {
  readonly origin: string | undefined;
  readonly host: string | undefined;
  readonly frames: readonly WsFrame[];
}

export interface WsSentinel {
  /** the frame that must be answered */
  readonly frame: string;
  /** whether a frame the server sent is the answer */
  readonly answered: (frame: string) => boolean;
}

export function wsHeaders(): fc.Arbitrary<{ origin: string | undefined; host: string | undefined }> {
  return fc.record({
    origin: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('http://evil.example', 'null', 'file://', 'http://127.0.0.1.evil.example', 'not a url') }),
    host: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('evil.example', 'evil.example:80', '127.0.0.1.evil.example', '[::2]:1') }),
  });
}

export function wsFrames(text: fc.Arbitrary<string>, maxPayload: number): fc.Arbitrary<WsFrame[]> {
  return fc.array(
    fc.oneof(
      { weight: 8, arbitrary: text.map((t) => ({ kind: 'text' as const, text: t })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'binary' as const, bytes: Buffer.from(b) })) },
      { weight: 1, arbitrary: fc.tuple(text, fc.integer({ min: 2, max: 6 })).map(([t, parts]) => ({ kind: 'fragmented' as const, text: t, parts })) },
      { weight: 1, arbitrary: fc.integer({ min: Math.floor(maxPayload / 2), max: maxPayload * 2 }).map((bytes) => ({ kind: 'big' as const, bytes })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 125 }).map((b) => ({ kind: 'ping' as const, bytes: Buffer.from(b) })) },
    ),
    { minLength: 1, maxLength: 12 },
  );
}

const CLIENT_FAULT_CLOSE = new Set([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1013]);

function send(ws: WebSocket, f: WsFrame): void {
  if (f.kind === 'text') ws.send(f.text);
  else if (f.kind === 'binary') ws.send(f.bytes, { binary: true });
  else if (f.kind === 'big') ws.send(`{"event":"x","data":"${'y'.repeat(Math.max(0, f.bytes - 24))}"}`);
  else if (f.kind === 'ping') ws.ping(f.bytes);
  else {
    const size = Math.ceil(f.text.length / f.parts) || 1;
    for (let i = 0; i < f.parts; i++) ws.send(f.text.slice(i * size, (i + 1) * size), { fin: i === f.parts - 1 });
  }
}

export async function wsExchange(port: number, path: string, input: WsInput, sentinel: WsSentinel, deadlineMs = 15_000): Promise<void> {
  const headers: Record<string, string> = input.host ? { Host: input.host } : {};
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { ...(input.origin ? { origin: input.origin } : {}), headers, maxPayload: 64 * 1024 * 1024 });
  const received: string[] = [];
  let closeCode: number | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  ws.on('message', (m: WebSocket.RawData) => {
    received.push(m.toString());
    poke();
  });
  ws.on('close', (code: number) => {
    closeCode = code;
    poke();
  });
  ws.on('error', () => undefined);
  try {
    const opened = await new Promise<{ ok: true } | { ok: false; status: number; why: string }>((resolve) => {
      ws.once('open', () => resolve({ ok: true }));
      ws.once('unexpected-response', (_req, res) => resolve({ ok: false, status: res.statusCode ?? 0, why: `upgrade answered ${res.statusCode}` }));
      ws.once('error', (err) => resolve({ ok: false, status: 0, why: err.message }));
    });
    const foreign = input.origin !== undefined || input.host !== undefined;
    if (!opened.ok) {
      if (opened.status >= 500) throw new InputFailure(`${path}: ${opened.why}`);
      if (!foreign) throw new InputFailure(`${path}: a plain upgrade was refused: ${opened.why}`);
      return;
    }
    for (const f of input.frames) {
      if (closeCode !== undefined || ws.readyState !== WebSocket.OPEN) break;
      send(ws, f);
    }
    if (closeCode === undefined && ws.readyState === WebSocket.OPEN) ws.send(sentinel.frame);
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (received.some(sentinel.answered)) return;
      if (closeCode !== undefined) {
        if (!CLIENT_FAULT_CLOSE.has(closeCode)) throw new InputFailure(`${path}: the server closed the socket with ${closeCode}`);
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new InputFailure(`${path}: the sentinel ${sentinel.frame} got no answer within ${deadlineMs} ms (the socket is open)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    ws.terminate();
  }
}

/** An upgrade followed by raw bytes (malformed WebSocket frames); the answer is only watched by the monitor. */
export async function wsRawBytes(port: number, path: string, bytes: Buffer, holdMs = 200): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let head = '';
  socket.on('data', (c: Buffer) => {
    if (head.length < 4096) head += c.toString('latin1');
  });
  try {
    await new Promise<void>((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => resolve());
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    socket.write(bytes);
    await new Promise((r) => setTimeout(r, holdMs));
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    if (status && Number(status) >= 500) throw new InputFailure(`${path}: the upgrade answered ${status}`);
  } finally {
    socket.destroy();
  }
}
