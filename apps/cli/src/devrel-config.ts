/**
 * The devrel layout (docs/reference/cli.md) as pure functions: node names, ports, data directories,
 * the environment devrel sets, and the restart command line written to node.cmd.
 */
import * as path from 'node:path';

export const DEVREL_APPS = ['api', 'chat'] as const;
export type DevrelApp = (typeof DEVREL_APPS)[number];

/** Upper bound on devrel nodes, so that the api and chat port ranges never overlap. */
export const MAX_DEVREL_NODES = 32;

interface AppLayout {
  prefix: string;
  httpBase: number;
  clusterBase: number;
  chatBase?: number;
}

const LAYOUT: Record<DevrelApp, AppLayout> = {
  api: { prefix: 'dev', httpBase: 4000, clusterBase: 9000 },
  chat: { prefix: 'chat', httpBase: 4100, clusterBase: 9100, chatBase: 4040 },
};

/** Everything devrel knows about node `index` (1-based) of an app. */
export interface DevrelNode {
  readonly app: DevrelApp;
  readonly index: number;
  readonly name: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  readonly chatPort?: number;
  readonly dataDir: string;
  /** The built application the node runs. */
  readonly script: string;
  /** The variables devrel sets on top of the caller's environment, in command-line order. */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** The shell command line that (re)starts this node. */
  readonly commandLine: string;
}

/** The data directory name of node `index`, e.g. `dev2` or `chat1`. */
export function devrelDirName(app: DevrelApp, index: number): string {
  return `${LAYOUT[app].prefix}${index}`;
}

/** The node index encoded in a data directory name of that app, or undefined. */
export function parseDevrelDirName(app: DevrelApp, dirName: string): number | undefined {
  const match = new RegExp(`^${LAYOUT[app].prefix}([1-9]\\d*)$`).exec(dirName);
  return match ? Number(match[1]) : undefined;
}

/** The data root of all devrel nodes. */
export function devrelDataRoot(root: string): string {
  return path.join(root, 'data');
}

/** The built entry point of an app. */
export function appScript(root: string, app: DevrelApp): string {
  return path.join(root, 'dist', 'apps', app, 'main.js');
}

/** Quotes a word for a POSIX shell when it needs quoting. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `VAR=value ... node <script>`, quoted for a POSIX shell. */
export function commandLine(env: ReadonlyArray<readonly [string, string]>, script: string): string {
  const assignments = env.map(([key, value]) => `${key}=${shellQuote(value)}`);
  return [...assignments, 'node', shellQuote(script)].join(' ');
}

/**
 * Node `index` of `app` in the checkout at `root`. `portOffset` shifts every port (tests
 * use it to stay clear of real devrel clusters); it is 0 for users.
 */
export function devrelNode(root: string, app: DevrelApp, index: number, portOffset = 0): DevrelNode {
  const layout = LAYOUT[app];
  const name = `${layout.prefix}${index}@127.0.0.1`;
  const httpPort = layout.httpBase + index - 1 + portOffset;
  const clusterPort = layout.clusterBase + index - 1 + portOffset;
  const chatPort = layout.chatBase === undefined ? undefined : layout.chatBase + index - 1 + portOffset;
  const dataDir = path.join(devrelDataRoot(root), devrelDirName(app, index));
  const script = appScript(root, app);
  const env: Array<readonly [string, string]> = [
    ['RINGNEST_NAME', name],
    ['HTTP_PORT', String(httpPort)],
    ['CLUSTER_PORT', String(clusterPort)],
  ];
  if (chatPort !== undefined) env.push(['CHAT_PORT', String(chatPort)]);
  env.push(['DATA_DIR', dataDir]);
  return {
    app,
    index,
    name,
    httpPort,
    clusterPort,
    chatPort,
    dataDir,
    script,
    env,
    commandLine: commandLine(env, script),
  };
}
