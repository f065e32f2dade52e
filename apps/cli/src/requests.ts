/**
 * The mapping from node commands to HTTP requests of the admin, ping and KV APIs, and
 * how each answer is rendered. Pure: the routes the server must offer are all here.
 */
import { CliCommand } from './args';

/** How an answer is printed. */
export type Rendering =
  /** admin route: print `text`; refusals print `error.message` */
  | 'text'
  /** like text, and exit 1 unless the answer says the ring is ready */
  | 'ringready'
  /** one line per preference-list entry */
  | 'preflist'
  /** like text, with progress bars on a TTY */
  | 'transfers'
  /** ping and kv: the body on one line, success or refusal */
  | 'body';

export interface HttpPlan {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  rendering: Rendering;
  timeoutMs: number;
}

export type NodeCommand = Exclude<CliCommand, { name: `devrel-${string}` }>;

/** Default request timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Timeout of operations that wait for the cluster (join, commit, leave, repair). */
export const LONG_TIMEOUT_MS = 120_000;

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.append(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

const admin = (
  method: 'GET' | 'POST',
  route: string,
  body?: Record<string, string>,
  rendering: Rendering = 'text',
  timeoutMs = DEFAULT_TIMEOUT_MS,
): HttpPlan => ({
  method,
  path: `/api/cluster/${route}`,
  body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  rendering,
  timeoutMs,
});

/**
 * The request for a command. `timeoutOverrideMs` (env RINGNEST_TIMEOUT_MS) replaces
 * every per-command timeout.
 */
export function planRequest(command: NodeCommand, timeoutOverrideMs?: number): HttpPlan {
  const plan = basePlan(command);
  return timeoutOverrideMs === undefined ? plan : { ...plan, timeoutMs: timeoutOverrideMs };
}

function basePlan(command: NodeCommand): HttpPlan {
  switch (command.name) {
    case 'member-status':
      return admin('GET', 'member-status');
    case 'ring-status':
      return admin('GET', 'ring-status');
    case 'ringready':
      return admin('GET', 'ringready', undefined, 'ringready');
    case 'services':
      return admin('GET', 'services');
    case 'transfers':
      return admin('GET', 'transfers', undefined, 'transfers');
    case 'aae-status':
      return admin('GET', 'aae');
    case 'join':
      return admin('POST', 'join', { target: command.target }, 'text', LONG_TIMEOUT_MS);
    case 'cluster-join':
      return admin('POST', 'staged/join', { target: command.target });
    case 'cluster-leave':
      return admin('POST', 'staged/leave', command.node === undefined ? {} : { node: command.node });
    case 'cluster-force-remove':
      return admin('POST', 'staged/force-remove', { node: command.node });
    case 'cluster-replace':
      return admin('POST', 'staged/replace', { node: command.node, replacement: command.replacement });
    case 'cluster-plan':
      return admin('GET', 'plan');
    case 'cluster-commit':
      return admin('POST', 'commit', undefined, 'text', LONG_TIMEOUT_MS);
    case 'cluster-clear':
      return admin('POST', 'clear');
    case 'leave':
      return admin('POST', 'leave', undefined, 'text', LONG_TIMEOUT_MS);
    case 'down':
      return admin('POST', 'down', { node: command.node });
    case 'preflist':
      return {
        method: 'GET',
        path: `/api/cluster/preflist${query({ bucket: command.bucket, key: command.key, n: command.n })}`,
        rendering: 'preflist',
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    case 'repair':
      return admin('POST', 'repair', { partition: command.partition }, 'text', LONG_TIMEOUT_MS);
    case 'ping':
      return { method: 'GET', path: `/api/ping${query({ n: command.n })}`, rendering: 'body', timeoutMs: DEFAULT_TIMEOUT_MS };
    case 'other-ping':
      return { method: 'GET', path: `/api/ping${query({ key: command.key })}`, rendering: 'body', timeoutMs: DEFAULT_TIMEOUT_MS };
    case 'kv-store':
      return {
        method: 'PUT',
        path: `/api/store/${encodeURIComponent(command.key)}${query({ n: command.n, w: command.w })}`,
        body: command.json,
        rendering: 'body',
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    case 'kv-fetch':
      return {
        method: 'GET',
        path: `/api/store/${encodeURIComponent(command.key)}${query({ n: command.n, r: command.r })}`,
        rendering: 'body',
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
    case 'kv-delete':
      return {
        method: 'DELETE',
        path: `/api/store/${encodeURIComponent(command.key)}${query({ n: command.n, w: command.w })}`,
        rendering: 'body',
        timeoutMs: DEFAULT_TIMEOUT_MS,
      };
  }
}
