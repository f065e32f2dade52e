/**
 * Framing of the chat line protocol (docs/reference/chat-protocol.md#cases-in-detail): bytes in, complete lines out. Owns the per-connection
 * partial line and the length limit; it never holds more than MAX_LINE_BYTES of one line, so a
 * client that sends an endless line cannot grow a connection's memory.
 */

/** The longest line accepted, in bytes, not counting its `\n` (a trailing `\r` counts). */
export const MAX_LINE_BYTES = 8192;

/**
 * What the splitter found: a complete line (without `\n` and without a trailing `\r`), or a line
 * longer than the limit, reported once when it passes the limit; its remaining bytes up to the next
 * `\n` are discarded.
 */
export type SplitEvent = { readonly kind: 'line'; readonly line: Buffer } | { readonly kind: 'too-long' };

const NEWLINE = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** true while skipping the rest of a line already reported as too long */
  private discarding = false;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /** Bytes held for the current partial line; never above the limit. */
  get buffered(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer): SplitEvent[] {
    const events: SplitEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      this.take(chunk.subarray(start, end), events);
      if (nl < 0) break;
      this.endLine(events);
      start = nl + 1;
    }
    return events;
  }

  private take(part: Buffer, events: SplitEvent[]): void {
    if (this.discarding || part.length === 0) return;
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      events.push({ kind: 'too-long' });
      return;
    }
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  private endLine(events: SplitEvent[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    let line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.pending = [];
    this.pendingBytes = 0;
    events.push({ kind: 'line', line });
  }
}
