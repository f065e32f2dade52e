/**
 * A Zap chat client over the TCP line protocol (docs/reference/chat-protocol.md) for the chat
 * failover scenario: it keeps every line the server sends, without prompts, in order, and whether
 * the connection ended.
 */
import { Socket, connect } from 'node:net';

export class ChatLineClient {
  readonly lines: string[] = [];
  closed = false;
  private buffer = '';
  private readonly socket: Socket;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly name: string,
    readonly node: number,
    socket: Socket,
  ) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        let line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        while (line.startsWith('> ')) line = line.slice(2);
        this.lines.push(line);
      }
      this.wake();
    });
    const end = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static async open(host: string, port: number, name: string, node: number): Promise<ChatLineClient> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const c = new ChatLineClient(name, node, socket);
    c.send(`set-name ${name}`);
    await c.waitFor((l) => l === `ok your name is ${name}`, 10_000);
    return c;
  }

  send(line: string): void {
    if (!this.closed) this.socket.write(`${line}\n`);
  }

  /** Resolves with the first line from `from` on that `match`es; rejects after `timeoutMs` or when the connection ends. */
  async waitFor(match: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = from; ; ) {
      for (; seen < this.lines.length; seen++) if (match(this.lines[seen])) return this.lines[seen];
      if (this.closed) throw new Error(`${this.name}: connection closed`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no matching line within ${timeoutMs} ms (last lines: ${JSON.stringify(this.lines.slice(-3))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
