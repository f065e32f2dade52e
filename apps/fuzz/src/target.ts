/**
 * An entry point under fuzz: a fast-check arbitrary of hostile inputs, and how to send one input
 * and judge the node's direct answer. What every input must leave intact (the process, /health,
 * the event loop, memory, the log) is the monitor's business, checked after each input.
 */
import fc from 'fast-check';
import { FuzzNode } from './nodes';

export interface FuzzContext {
  readonly api: FuzzNode;
  readonly chat: FuzzNode;
  /** the cluster secret the nodes run with (the development secret on loopback) */
  readonly secret: string;
}

/**
 * The node's answer to one input shows a bug (a 500, a protocol violation, no answer at all).
 * `kind`, when given, is what makes two failures the same one (e.g. `PUT answered 500`, whatever
 * the path); otherwise the message is.
 */
export class InputFailure extends Error {
  constructor(
    message: string,
    readonly kind?: string,
  ) {
    super(message);
  }
}

export interface Target<I> {
  readonly name: string;
  /** what it sends, for the table */
  readonly summary: string;
  readonly arbitrary: fc.Arbitrary<I>;
  /** Send one input and check the direct answer; throws InputFailure when it shows a bug. */
  run(input: I, ctx: FuzzContext): Promise<void>;
  /** A short, printable description of an input (large parts elided). */
  describe(input: I): string;
  /** Release what the target holds between inputs (clients, connections). */
  close?(): Promise<void>;
}

/** Erase the input type, so targets of different inputs share one list. */
export function target<I>(t: Target<I>): Target<unknown> {
  return t as unknown as Target<unknown>;
}

/** A printable sketch of any value: strings and buffers over `max` are cut and their length given. */
export function sketch(value: unknown, max = 160): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'string' && v.length > max) return `${v.slice(0, max)}…(${v.length} chars)`;
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      const data = (v as { data: number[] }).data;
      const hex = Buffer.from(data.slice(0, max / 2)).toString('hex');
      return `<${data.length} bytes ${hex}${data.length > max / 2 ? '…' : ''}>`;
    }
    if (v instanceof Uint8Array) return `<${v.length} bytes ${Buffer.from(v.subarray(0, max / 2)).toString('hex')}${v.length > max / 2 ? '…' : ''}>`;
    if (typeof v === 'bigint') return `${v}n`;
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '<shared>';
      seen.add(v);
    }
    return v;
  });
  return text === undefined ? String(value) : text.length > 4 * max ? `${text.slice(0, 4 * max)}…(${text.length} chars)` : text;
}

/** A source address on loopback other than 127.0.0.1, so per-address limits see many clients. */
export const loopbackAddress = fc.integer({ min: 2, max: 254 }).map((n) => `127.0.0.${n}`);
