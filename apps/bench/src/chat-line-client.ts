/**
 * The chat benchmark's TCP client of the Zap chat line protocol (docs/reference/chat-protocol.md), kept lean because a
 * bench holds thousands of them in one process.
 *
 * Responsibility: split the server's bytes into lines (each reply and broadcast is `<text>\n> `;
 * the prompt is dropped), let one request at a time wait for its reply line, and hand every other
 * line to `onLine` with the time its chunk arrived (`performance.now()`, the clock `send` returns).
 * Broadcasts may arrive between a command and its reply, so a reply is recognised by its text.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

const PROMPT = '> ';
/**
 * Every client reads into this one buffer (the socket's `onread` option): a chunk is split into
 * lines before the next read, so nothing outlives the callback, and a read costs no new Buffer and
 * no stream machinery. The load generator shares the cores with the nodes it measures.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** the one-line reason of a room whose replicas did not answer (RoomUnavailableError) */
const UNAVAILABLE = / is unavailable right now \(/;

interface Waiter {
  readonly isReply: (line: string) => boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (err: Error) => void;
}

export class ChatLineClient {
  /** called with each line that is not the reply a request waits for */
  onLine: ((line: string, at: number) => void) | undefined;
  /** called once when the connection closes, by either side */
  onClose: (() => void) | undefined;
  closed = false;
  private rest = '';
  private waiter: Waiter | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.reject(new Error('connection closed'));
      this.waiter = undefined;
      this.onClose?.();
    });
  }

  /** Connect and read the greeting. */
  static connect(port: number, timeoutMs: number): Promise<ChatLineClient> {
    return new Promise((resolve, reject) => {
      let client: ChatLineClient | undefined;
      const socket = connect({
        host: '127.0.0.1',
        port,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number) => {
            client?.onData(READ_BUFFER.subarray(0, bytes));
            return true;
          },
        },
      });
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        const ready = new ChatLineClient(socket);
        client = ready;
        ready.reply((l) => l.startsWith('connected! '), timeoutMs).then(() => resolve(ready), (err: Error) => {
          socket.destroy();
          reject(err);
        });
      });
    });
  }

  /** Send a command; resolves with its reply line (recognised by `isReply`), rejects on a room-unavailable reason. */
  request(line: string, isReply: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const reply = this.reply(isReply, timeoutMs);
    this.send(line);
    return reply.catch((err: Error) => Promise.reject(new Error(`'${line}': ${err.message}`)));
  }

  /** Write one line; returns the time just before the write. */
  send(line: string): number {
    const at = performance.now();
    this.socket.write(`${line}\n`, 'latin1');
    return at;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private reply(isReply: (line: string) => boolean, timeoutMs: number): Promise<string> {
    if (this.waiter) return Promise.reject(new Error('one request at a time'));
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
      };
      this.waiter = {
        isReply,
        resolve: (l) => (done(), resolve(l)),
        reject: (err) => (done(), reject(err)),
      };
    });
  }

  private onData(chunk: Buffer): void {
    const at = performance.now();
    const lines = (this.rest + chunk.toString('latin1')).split('\n');
    this.rest = lines.pop() ?? '';
    for (let line of lines) {
      while (line.startsWith(PROMPT)) line = line.slice(PROMPT.length);
      const w = this.waiter;
      if (w?.isReply(line)) w.resolve(line);
      else if (w && UNAVAILABLE.test(line)) w.reject(new Error(line));
      else this.onLine?.(line, at);
    }
  }
}
