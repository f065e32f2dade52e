/**
 * A real WebSocket client of `/ws/cluster` (docs/reference/http-api.md) for end-to-end tests: keeps every frame in
 * order and lets a test take the next one, or skip ahead to the first that matches. Every wait is
 * event-driven (re-checked on each frame and on close) and bounded by a deadline.
 */
import WebSocket from 'ws';

export interface RingEventData {
  node: string;
  ringSize: number;
  ringReady: boolean;
  claimant: string;
  members: { name: string; status: string; share: number; pendingShare: number | null }[];
  owners: string[];
  pending: { index: number; from: string; to: string; status: string }[];
}

export interface TransferEventData {
  transfers: { service: string; index: number; type: string; from: string; to: string; status: string; items: number; progress: number | null }[];
}

export type ClusterEvent =
  | { event: 'ring'; data: RingEventData }
  | { event: 'transfer'; data: TransferEventData }
  | { event: 'aae'; data: AaeEventData }
  | { event: 'error'; data: { code: string; message: string } };

/** The `aae` frame's data: anti-entropy per member, and the partitions with repairs pending. */
export interface AaeEventData {
  nodes: { node: string; enabled: boolean; vnodes: number; ready: number; repaired: number; pending: number }[];
  pending: { node: string; service: string; index: number; pending: number; failed: number }[];
  unreachable: string[];
}

export class ClusterEventsClient {
  /** every frame received, in order */
  readonly frames: ClusterEvent[] = [];
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ClusterEvent);
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    ws.on('error', () => undefined);
  }

  static async connect(url: string, headers: Record<string, string> = {}, timeoutMs = 10000): Promise<ClusterEventsClient> {
    const ws = new WebSocket(url, { headers });
    const client = new ClusterEventsClient(ws);
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
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet taken. */
  next(timeoutMs = 10000): Promise<ClusterEvent> {
    return this.take(() => true, 'the next frame', timeoutMs);
  }

  /** Skip to the first frame not yet taken that matches, and take it. */
  async take<T extends ClusterEvent = ClusterEvent>(match: (f: ClusterEvent) => boolean, what: string, timeoutMs = 30000): Promise<T> {
    const found = () => {
      for (let i = this.cursor; i < this.frames.length; i++) {
        if (match(this.frames[i])) {
          this.cursor = i + 1;
          return this.frames[i] as T;
        }
      }
      this.cursor = this.frames.length;
      return undefined;
    };
    return this.until(found, what, timeoutMs);
  }

  /** The close code, once the server closed the connection. */
  closed(timeoutMs = 10000): Promise<number> {
    return this.until(() => this.closeCode, 'the socket to close', timeoutMs);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private until<T>(get: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = get();
        if (v !== undefined) {
          finish();
          resolve(v);
        } else if (this.closeCode !== undefined && what !== 'the socket to close') {
          finish();
          reject(new Error(`socket closed (${this.closeCode}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3)).slice(0, 2000)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
