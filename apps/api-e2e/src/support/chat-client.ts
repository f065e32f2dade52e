/**
 * A real TCP client of the Zap chat line protocol (docs/reference/chat-protocol.md) for end-to-end tests.
 *
 * Responsibility: hold every byte the server sent and not yet consumed, and let a test consume it
 * exactly. Bytes are kept as a `latin1` string (one char per byte), so what is compared is what was
 * on the wire, whatever its encoding. Every wait is event-driven (it re-checks on each arriving
 * chunk and on close) and bounded by a deadline; nothing sleeps to synchronise.
 *
 * Invariants: `expect*` only ever consume from the front of the buffer; a mismatch fails at once
 * with what was expected and what arrived.
 */
import { connect as netConnect, Socket } from 'node:net';

export const PROMPT = '> ';
export const GREETING = `connected! 'set-name <name>' and 'join <chat name>' to get started\n${PROMPT}`;

/** The exact bytes of docs/reference/chat-protocol.md, for building expectations. */
export const chatLines = {
  greeting: GREETING,
  nameSet: (name: string) => `ok your name is ${name}\n${PROMPT}`,
  mustSetName: `must set a name before joining/chatting\n${PROMPT}`,
  joined: (room: string) => `joined ${room}! 'say ${room} <message>' to chat\n${PROMPT}`,
  history: (room: string, messages: ReadonlyArray<readonly [from: string, text: string]>) =>
    `the most recent messages are:\n\n${messages.map(([from, text]) => `${room} - ${from}: ${text}\n`).join('')}${PROMPT}`,
  hasJoined: (room: string, name: string) => `* ${name} has joined ${room}\n${PROMPT}`,
  hasLeft: (room: string, name: string) => `* ${name} has left ${room}\n${PROMPT}`,
  message: (room: string, from: string, text: string) => `${room} - ${from}: ${text}\n${PROMPT}`,
  left: (room: string) => `left ${room}\n${PROMPT}`,
  unread: (messages: ReadonlyArray<readonly [from: string, text: string]>) =>
    messages.length === 0
      ? `no unread messages\n${PROMPT}`
      : `You missed the following messages:\n${messages.map(([from, text]) => `    ${from}: ${text}\n`).join('')}${PROMPT}`,
  rooms: (names: readonly string[]) => (names.length === 0 ? `no rooms\n${PROMPT}` : `rooms: ${names.join(', ')}\n${PROMPT}`),
  who: (room: string, names: readonly string[]) => `${room}: ${names.join(', ')}\n${PROMPT}`,
  notUnderstood: (line: string) => `sorry, I don't understand '${line}'\n${PROMPT}`,
  tooLong: `line too long (max 8192 bytes)\n${PROMPT}`,
  emptyLine: PROMPT,
  bye: 'bye\n',
} as const;

/** UTF-8 text as the byte string the client sends and receives. */
export const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** A short, printable rendering of bytes for failure messages. */
export function showBytes(bytes: string, max = 400): string {
  const shown = bytes.length > max ? `${bytes.slice(0, max)}…` : bytes;
  return `${JSON.stringify(shown)} (${bytes.length} bytes)`;
}

export interface ChatClientOptions {
  host?: string;
  /** bound on connecting and on reading the greeting */
  timeoutMs?: number;
  /** consume the greeting before resolving (default true) */
  greeting?: boolean;
  /** a label used in failure messages, e.g. the person's name */
  label?: string;
}

export class ChatClient {
  private buf = '';
  private waiters = new Set<() => void>();
  private closedFlag = false;
  private closeError: Error | undefined;
  /** every byte received since connecting, consumed or not */
  bytesReceived = 0;

  private constructor(
    private readonly socket: Socket,
    public label: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.buf += chunk.toString('latin1');
      this.notify();
    });
    socket.on('error', (err) => {
      this.closeError = err;
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.notify();
    });
  }

  /** Connect to a chat port; by default also reads the exact greeting. */
  static async connect(port: number, opts: ChatClientOptions = {}): Promise<ChatClient> {
    const timeoutMs = opts.timeoutMs ?? 10000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ port, host: opts.host ?? '127.0.0.1' });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`timed out after ${timeoutMs} ms connecting to chat port ${port}`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const client = new ChatClient(socket, opts.label ?? `chat:${port}`);
    if (opts.greeting ?? true) await client.expect(GREETING, timeoutMs);
    return client;
  }

  /** Connect, read the greeting and set the name: a client ready to join. */
  static async named(port: number, name: string, timeoutMs = 10000): Promise<ChatClient> {
    const client = await ChatClient.connect(port, { timeoutMs, label: name });
    client.send(`set-name ${name}`);
    await client.expect(chatLines.nameSet(name), timeoutMs);
    return client;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): string {
    return this.buf;
  }

  /** The connection is closed (by either end). */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Send one line: `line` (a byte string) and `\n`. */
  send(line: string): void {
    this.sendRaw(`${line}\n`);
  }

  /** Send exact bytes (a byte string or a Buffer), e.g. CRLF line ends or part of a line. */
  sendRaw(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /**
   * Wait until `check` returns a value (it is re-run on every chunk and on close); reject after
   * `timeoutMs`, when `check` throws, or when the connection closes first.
   */
  waitUntil<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      const attempt = () => {
        let result: T | undefined;
        try {
          result = check();
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (result !== undefined) {
          finish();
          resolve(result);
        } else if (this.closedFlag) {
          finish();
          reject(new Error(`${this.label}: connection closed${this.closeError ? ` (${this.closeError.message})` : ''} while waiting for ${what}; unconsumed: ${showBytes(this.buf)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; unconsumed: ${showBytes(this.buf)}`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  /**
   * The next bytes received are exactly `bytes`: wait for them and consume them. Fails as soon as
   * what arrived differs from `bytes`.
   */
  expect(bytes: string, timeoutMs = 5000): Promise<void> {
    return this.waitUntil(
      showBytes(bytes),
      () => {
        const n = Math.min(bytes.length, this.buf.length);
        if (this.buf.slice(0, n) !== bytes.slice(0, n)) {
          let at = 0;
          while (this.buf[at] === bytes[at]) at++;
          const from = Math.max(0, at - 60);
          throw new Error(
            `${this.label}: expected ${showBytes(bytes)}\n  but received ${showBytes(this.buf)}\n` +
              `  first difference at byte ${at}: expected …${showBytes(bytes.slice(from, at + 200))}\n` +
              `                              received …${showBytes(this.buf.slice(from, at + 200))}`,
          );
        }
        if (this.buf.length < bytes.length) return undefined;
        this.buf = this.buf.slice(bytes.length);
        return true;
      },
      timeoutMs,
    ).then(() => undefined);
  }

  /** The next bytes are exactly one of `options` (none a prefix of another): consume it and return it. */
  expectAny(options: readonly string[], timeoutMs = 5000): Promise<string> {
    return this.waitUntil(
      `one of ${options.map((o) => showBytes(o, 80)).join(' | ')}`,
      () => {
        const full = options.find((o) => this.buf.startsWith(o));
        if (full !== undefined) {
          this.buf = this.buf.slice(full.length);
          return full;
        }
        const possible = options.some((o) => o.startsWith(this.buf.slice(0, o.length)));
        if (!possible) throw new Error(`${this.label}: expected one of ${options.map((o) => showBytes(o, 120)).join(' | ')}\n  but received ${showBytes(this.buf)}`);
        return undefined;
      },
      timeoutMs,
    );
  }

  /** The next bytes are `chunks`, each exactly once, in any order; consume them all. */
  async expectUnordered(chunks: readonly string[], timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = [...chunks];
    while (left.length > 0) {
      const got = await this.expectAny([...new Set(left)], Math.max(1, deadline - Date.now()));
      left.splice(left.indexOf(got), 1);
    }
  }

  /** The buffer starts with a match of `re` (anchor it with `^`): consume the match and return it. */
  expectMatch(re: RegExp, timeoutMs = 5000): Promise<RegExpExecArray> {
    return this.waitUntil(
      String(re),
      () => {
        const m = re.exec(this.buf);
        if (!m || m.index !== 0) return undefined;
        this.buf = this.buf.slice(m[0].length);
        return m;
      },
      timeoutMs,
    );
  }

  /**
   * Nothing is pending for this client: a round trip of an empty line (which a named client is
   * answered with just the prompt) comes back with no other byte before it. Lines are handled in
   * order, so anything the server wrote earlier would show up first. Needs a name to be set.
   */
  async expectNothing(timeoutMs = 5000): Promise<void> {
    if (this.buf.length > 0) throw new Error(`${this.label}: expected nothing but has unconsumed ${showBytes(this.buf)}`);
    this.send('');
    await this.expect(PROMPT, timeoutMs);
  }

  /** Wait until the server has closed the connection; returns what was left unconsumed. */
  expectClosed(timeoutMs = 5000): Promise<string> {
    return this.waitUntil('the connection to close', () => (this.closedFlag ? this.buf : undefined), timeoutMs);
  }

  /** Consume and return everything received so far. */
  drain(): string {
    const all = this.buf;
    this.buf = '';
    return all;
  }

  /** Stop reading from the socket: bytes pile up in the kernel and then in the server. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Half-close: the server sees the end of the stream. */
  end(): void {
    this.socket.end();
  }

  /** Close at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Clients a test opened, closed together (e.g. in afterEach) whatever the outcome. */
export class ChatClients {
  private readonly open = new Set<ChatClient>();

  async connect(port: number, opts: ChatClientOptions = {}): Promise<ChatClient> {
    return this.track(await ChatClient.connect(port, opts));
  }

  async named(port: number, name: string, timeoutMs?: number): Promise<ChatClient> {
    return this.track(await ChatClient.named(port, name, timeoutMs));
  }

  track(client: ChatClient): ChatClient {
    this.open.add(client);
    return client;
  }

  destroyAll(): void {
    for (const c of this.open) c.destroy();
    this.open.clear();
  }
}
