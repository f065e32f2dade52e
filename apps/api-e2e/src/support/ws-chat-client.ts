/**
 * A real WebSocket client of the chat gateway (`ws://host:HTTP_PORT/chat`, docs/reference/chat-protocol.md) for end-to-end
 * tests: sends the JSON command frames and lets a test consume the frames it got, exactly and in
 * order. Every wait is event-driven (re-checked on each frame and on close) and bounded by a
 * deadline; nothing sleeps to synchronise.
 */
import WebSocket from 'ws';

export type ChatFrame = { event: 'line'; data: string } | { event: 'error'; data: { code: string; message: string } } | { event: string; data: unknown };

export class WsChatClient {
  private readonly frames: ChatFrame[] = [];
  private readonly waiters = new Set<() => void>();
  /** the close code once the connection is closed */
  closeCode: number | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly label: string,
  ) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ChatFrame);
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    ws.on('error', () => undefined);
  }

  /** Connect; by default also consumes the greeting line. */
  static async connect(url: string, opts: { label?: string; greeting?: boolean; timeoutMs?: number } = {}): Promise<WsChatClient> {
    const timeoutMs = opts.timeoutMs ?? 10000;
    const ws = new WebSocket(url);
    const client = new WsChatClient(ws, opts.label ?? url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms connecting to ${url}`)), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    if (opts.greeting ?? true) await client.expectLines(["connected! 'set-name <name>' and 'join <chat name>' to get started"], timeoutMs);
    return client;
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** Frames received and not yet consumed. */
  get pending(): readonly ChatFrame[] {
    return this.frames;
  }

  send(event: string, data?: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(data === undefined ? { event } : { event, data }));
  }

  sendRaw(payload: string | Buffer): void {
    this.ws.send(payload);
  }

  /** Wait for `count` frames and consume them. */
  next(count: number, timeoutMs = 5000): Promise<ChatFrame[]> {
    return this.waitUntil(`${count} frame(s)`, () => (this.frames.length >= count ? this.frames.splice(0, count) : undefined), timeoutMs);
  }

  /** The next frames are exactly these `line` frames. */
  async expectLines(lines: readonly string[], timeoutMs = 5000): Promise<void> {
    const got = await this.next(lines.length, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\n  expected lines ${JSON.stringify(lines)}`);
    });
    expect(got).toEqual(lines.map((data) => ({ event: 'line', data })));
  }

  /** The next frame is an `error` frame with this code; returns its message. */
  async expectError(code: string, timeoutMs = 5000): Promise<string> {
    const [frame] = await this.next(1, timeoutMs);
    expect(frame).toEqual({ event: 'error', data: { code, message: expect.any(String) } });
    return (frame.data as { message: string }).message;
  }

  /** Wait until the server closed the connection; returns the close code. */
  expectClosed(timeoutMs = 5000): Promise<number> {
    return this.waitUntil('the connection to close', () => this.closeCode, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  private waitUntil<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      const attempt = () => {
        const result = check();
        if (result !== undefined) {
          finish();
          resolve(result);
        } else if (this.closed) {
          finish();
          reject(new Error(`${this.label}: closed (${this.closeCode}) while waiting for ${what}; unconsumed: ${JSON.stringify(this.frames)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; unconsumed: ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** WebSocket clients a test opened, terminated together whatever the outcome. */
export class WsChatClients {
  private readonly open = new Set<WsChatClient>();

  async connect(url: string, label?: string): Promise<WsChatClient> {
    const client = await WsChatClient.connect(url, { label });
    this.open.add(client);
    return client;
  }

  /** Connect and set the name. */
  async named(url: string, name: string): Promise<WsChatClient> {
    const client = await this.connect(url, name);
    client.send('set-name', { name });
    await client.expectLines([`ok your name is ${name}`]);
    return client;
  }

  terminateAll(): void {
    for (const c of this.open) c.terminate();
    this.open.clear();
  }
}
