/**
 * Reading what a node says about itself: its log lines (one JSON object per line with `level`,
 * `time`, `node`, `message`) and its Prometheus text. Pure.
 */

export type LogVerdict =
  /** an ordinary line */
  | { readonly kind: 'ok'; readonly level: string }
  /** a line that means the process is broken: not JSON (a raw stack trace on stderr), fatal, or an unhandled rejection / uncaught exception */
  | { readonly kind: 'bad'; readonly why: string };

const CRASH_TEXT = /unhandled|uncaught|triggerUncaughtException|FATAL ERROR|heap out of memory/i;

/** Classify one complete line of a node's log. */
export function classifyLogLine(line: string): LogVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'bad', why: 'a line that is not a JSON log line (raw stderr output)' };
  }
  const l = parsed as { level?: unknown; message?: unknown; err?: unknown; stack?: unknown } | null;
  if (!l || typeof l !== 'object' || typeof l.level !== 'string' || typeof l.message !== 'string') return { kind: 'bad', why: 'a JSON line without level and message' };
  if (l.level === 'fatal') return { kind: 'bad', why: 'a fatal log line' };
  if (CRASH_TEXT.test(l.message) || CRASH_TEXT.test(typeof l.stack === 'string' ? l.stack : '')) return { kind: 'bad', why: 'an unhandled rejection or uncaught exception' };
  return { kind: 'ok', level: l.level };
}

/**
 * Split appended log text into complete lines; returns them and the unfinished tail to prepend to
 * the next chunk.
 */
export function completeLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const text = pending + chunk;
  const end = text.lastIndexOf('\n');
  if (end < 0) return { lines: [], rest: text };
  return { lines: text.slice(0, end).split('\n').filter((l) => l.trim() !== ''), rest: text.slice(end + 1) };
}

/** The value of an unlabelled sample `name` in Prometheus text, or undefined. */
export function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
      const v = Number(line.slice(line.lastIndexOf(' ') + 1));
      return Number.isFinite(v) ? v : undefined;
    }
  }
  return undefined;
}

/** Resident set size in bytes from the text of /proc/<pid>/status, or undefined. */
export function vmRssBytes(status: string): number | undefined {
  return statusBytes(status, 'VmRSS');
}

/**
 * A process's resident memory from /proc/<pid>/status and its two parts: anonymous memory (heap,
 * buffers: what the process itself holds) and file pages (code, and the LMDB files it maps, which
 * the kernel may drop at will). Undefined when VmRSS is missing; a missing part counts as 0.
 */
export function rssParts(status: string): { rss: number; anon: number; file: number } | undefined {
  const rss = statusBytes(status, 'VmRSS');
  if (rss === undefined) return undefined;
  return { rss, anon: statusBytes(status, 'RssAnon') ?? 0, file: statusBytes(status, 'RssFile') ?? 0 };
}

function statusBytes(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}
