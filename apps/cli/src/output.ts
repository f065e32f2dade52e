/**
 * Output helpers: the sinks the CLI writes to, one-line rendering of HTTP bodies,
 * error-message extraction from JSON refusals, and the TTY progress bar for `transfers`.
 */

/** A place the CLI writes text to (process.stdout / stderr, or a buffer in tests). */
export interface Output {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Writes `text` followed by a newline; an empty text writes nothing. */
export function printLine(out: Output, text: string): void {
  if (text.length > 0) out.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * An HTTP body rendered on one line: compact bodies are kept byte for byte; a body
 * that spans lines is re-serialised when it is JSON, else its line breaks become spaces.
 */
export function oneLine(body: string): string {
  const trimmed = body.replace(/\r?\n$/, '');
  if (!/[\r\n]/.test(trimmed)) return trimmed;
  try {
    return JSON.stringify(JSON.parse(trimmed));
  } catch {
    return trimmed.replace(/\s*[\r\n]+\s*/g, ' ');
  }
}

/** Narrows an unknown JSON value to a plain object. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Parses a body as JSON, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  if (body.trim().length === 0) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The line to print for a refused admin request: `error.message` of the admin API's
 * error shape, else a framework's `message`, else the HTTP status.
 */
export function refusalMessage(status: number, statusText: string, json: unknown): string {
  const record = asRecord(json);
  const error = asRecord(record?.['error']);
  const message = error?.['message'];
  if (typeof message === 'string' && message.length > 0) return message;
  const plain = record?.['message'];
  const detail = typeof plain === 'string' && plain.length > 0 ? plain : statusText;
  return `Failed: HTTP ${status}${detail ? ` ${detail}` : ''}`;
}

/** A text progress bar such as `[##########----------]  50%` for a fraction in 0..1. */
export function progressBar(fraction: number, width = 30): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  const percent = `${Math.floor(f * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}`;
}

/** One transfer as the server reports it; only `progress` is required to draw a bar. */
interface TransferView {
  partition?: unknown;
  type?: unknown;
  from?: unknown;
  to?: unknown;
  progress: number;
}

function transferViews(json: unknown): TransferView[] | undefined {
  const list = asRecord(json)?.['transfers'];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const views: TransferView[] = [];
  for (const item of list) {
    const record = asRecord(item);
    const progress = record?.['progress'];
    if (!record || typeof progress !== 'number') return undefined;
    views.push({
      partition: record['partition'],
      type: record['type'],
      from: record['from'] ?? record['source'],
      to: record['to'] ?? record['target'],
      progress,
    });
  }
  return views;
}

function show(value: unknown): string {
  return value === undefined || value === null ? '?' : String(value);
}

/**
 * Progress-bar lines for a `transfers` answer, one per transfer, or undefined when the
 * answer carries no per-transfer progress (the server text is then printed instead).
 */
export function transferBars(json: unknown): string[] | undefined {
  const views = transferViews(json);
  if (!views) return undefined;
  const bars = views.map((t) => `${show(t.type).padEnd(9)} ${show(t.partition)} ${show(t.from)} -> ${show(t.to)} ${progressBar(t.progress)}`);
  // members that did not answer the cluster-wide query, as the server's text names them
  const unreachable = asRecord(json)?.['unreachable'];
  if (Array.isArray(unreachable) && unreachable.length > 0) {
    bars.push(`Not answering (their running handoffs are not shown): ${unreachable.map((n) => `'${String(n)}'`).join(', ')}`);
  }
  return bars;
}
