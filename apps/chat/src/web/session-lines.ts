/**
 * The line view of a chat session's output, for transports that carry lines rather than bytes (the
 * WebSocket gateway): what a `ChatSession` writes, split into the lines a TCP client would see, with
 * the prompts removed. Pure.
 */
import { replies } from '../protocol';

/**
 * Turns what a `ChatSession` writes into the lines a TCP client would see, prompts removed. Every
 * reply ends with `\n`, with `\n> `, or is the bare prompt, so the prompt is what is left after a
 * write's last `\n` (a lone `> ` — the answer to an empty line — gives no line at all). Anything else
 * left over is kept as the start of a line a later write completes.
 */
export class SessionLines {
  private partial = '';

  /** The complete lines in these bytes (byte strings, without `\n`), in order. */
  push(bytes: string): string[] {
    const parts = (this.partial + bytes).split('\n');
    const rest = parts.pop() as string;
    this.partial = rest === replies.PROMPT ? '' : rest;
    return parts;
  }
}
