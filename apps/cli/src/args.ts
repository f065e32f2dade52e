/**
 * The command-line grammar of `./ringnest` (built with commander): turns argv and the
 * environment into one typed command plus the node to talk to, the help text, or a
 * one-line usage error. It performs no I/O.
 */
import { Command as Commander, CommanderError, Option } from 'commander';
import { DEVREL_APPS, DevrelApp, MAX_DEVREL_NODES } from './devrel-config';
import { NodeAddress, parseNodeAddress } from './http-client';

export const DEFAULT_NODE = '127.0.0.1:4000';

/** Every command the CLI understands, with its arguments as typed. */
export type CliCommand =
  | { name: 'member-status' }
  | { name: 'ring-status' }
  | { name: 'ringready' }
  | { name: 'services' }
  | { name: 'transfers' }
  | { name: 'aae-status' }
  | { name: 'join'; target: string }
  | { name: 'cluster-join'; target: string }
  | { name: 'cluster-leave'; node?: string }
  | { name: 'cluster-force-remove'; node: string }
  | { name: 'cluster-replace'; node: string; replacement: string }
  | { name: 'cluster-plan' }
  | { name: 'cluster-commit' }
  | { name: 'cluster-clear' }
  | { name: 'leave' }
  | { name: 'down'; node: string }
  | { name: 'preflist'; bucket: string; key: string; n: string }
  | { name: 'ping'; n?: string }
  | { name: 'other-ping'; key: string }
  | { name: 'kv-store'; key: string; json: string; n?: string; w?: string }
  | { name: 'kv-fetch'; key: string; n?: string; r?: string }
  | { name: 'kv-delete'; key: string; n?: string; w?: string }
  | { name: 'repair'; partition: string }
  | { name: 'devrel-start'; app: DevrelApp; count: number }
  | { name: 'devrel-stop'; app: DevrelApp }
  | { name: 'devrel-clean'; app: DevrelApp }
  | { name: 'devrel-status'; app: DevrelApp };

export type ParseResult =
  | { kind: 'run'; node: NodeAddress; command: CliCommand }
  | { kind: 'help'; text: string }
  | { kind: 'usage'; message: string };

/** Signals a usage error found by our own argument checks (not commander's). */
class UsageProblem extends Error {}

function fullName(cmd: Commander): string {
  const names: string[] = [];
  for (let c: Commander | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usageLine(cmd: Commander): string {
  return `Usage: ${fullName(cmd)} ${cmd.usage()}`.replace(/\s+$/, '');
}

function devrelCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DEVREL_NODES) {
    throw new UsageProblem(`count must be an integer from 1 to ${MAX_DEVREL_NODES}, got '${text}'`);
  }
  return Number(text);
}

function partitionId(text: string): string {
  if (!/^\d+$/.test(text)) throw new UsageProblem(`partition must be a decimal integer, got '${text}'`);
  return text;
}

/** Builds the commander program; `emit` receives the parsed command of the action that ran. */
function buildProgram(emit: (command: CliCommand) => void): Commander {
  const program = new Commander('ringnest')
    .description('Admin CLI of a Ringnest node (talks to its HTTP admin API)')
    .option('--node <host:port>', `HTTP address of the node (env RINGNEST_NODE; default ${DEFAULT_NODE})`)
    .usage('[--node host:port] <command> [args...]')
    .showSuggestionAfterError(false)
    .addHelpText(
      'after',
      [
        '',
        'All commands:',
        '  member-status | ring-status | ringready | services | transfers | aae-status',
        '  join <host:port> | leave | down <node> | repair <partition>',
        '  cluster join <host:port> | cluster leave [node] | cluster force-remove <node>',
        '  cluster replace <a> <b> | cluster plan | cluster commit | cluster clear',
        '  preflist <bucket> <key> <n> | ping [n] | other-ping <key>',
        '  kv store <key> <json> [n w] | kv fetch <key> [n r] | kv delete <key> [n w]',
        '  devrel start <count> [--app api|chat] | devrel stop|clean|status [--app api|chat]',
        '',
        'Exit codes: 0 success, 1 refused or node not reachable, 2 bad usage.',
        'Environment: RINGNEST_NODE (default node), ADMIN_TOKEN (bearer token),',
        '  RINGNEST_TIMEOUT_MS (request timeout), DEVREL_TIMEOUT_MS (devrel start settle wait, default 180000).',
      ].join('\n'),
    );

  const simple = (parent: Commander, name: string, description: string, command: CliCommand): void => {
    parent
      .command(name)
      .description(description)
      .action(() => emit(command));
  };

  simple(program, 'member-status', 'the membership table', { name: 'member-status' });
  simple(program, 'ring-status', 'claimant, ring ready, pending transfers, unreachable nodes', { name: 'ring-status' });
  simple(program, 'ringready', 'whether all nodes agree on the ring (exit 1 when not)', { name: 'ringready' });
  simple(program, 'services', 'services up per node', { name: 'services' });
  simple(program, 'transfers', 'handoffs waiting and active', { name: 'transfers' });
  simple(program, 'aae-status', "every member's anti-entropy trees, exchanges and repairs", { name: 'aae-status' });
  program
    .command('join')
    .description("join the cluster of the node whose CLUSTER_PORT is at host:port, now")
    .argument('<host:port>')
    .action((target: string) => emit({ name: 'join', target }));
  simple(program, 'leave', 'this node hands off all its partitions and leaves', { name: 'leave' });
  program
    .command('down')
    .description('mark an unreachable node down')
    .argument('<node>')
    .action((node: string) => emit({ name: 'down', node }));

  const cluster = program.command('cluster').description('stage, plan and commit membership changes');
  cluster
    .command('join')
    .description('stage a join to the cluster of the node whose CLUSTER_PORT is at host:port')
    .argument('<host:port>')
    .action((target: string) => emit({ name: 'cluster-join', target }));
  cluster
    .command('leave')
    .description('stage a leave (default: this node)')
    .argument('[node]')
    .action((node: string | undefined) => emit(node === undefined ? { name: 'cluster-leave' } : { name: 'cluster-leave', node }));
  cluster
    .command('force-remove')
    .description('stage a force-remove')
    .argument('<node>')
    .action((node: string) => emit({ name: 'cluster-force-remove', node }));
  cluster
    .command('replace')
    .description('stage the replacement of node a by node b')
    .argument('<a>')
    .argument('<b>')
    .action((node: string, replacement: string) => emit({ name: 'cluster-replace', node, replacement }));
  simple(cluster, 'plan', 'show the staged changes', { name: 'cluster-plan' });
  simple(cluster, 'commit', 'apply the staged changes', { name: 'cluster-commit' });
  simple(cluster, 'clear', 'discard the staged changes', { name: 'cluster-clear' });

  program
    .command('preflist')
    .description('the preference list of a ring key: <partition> <node> primary|fallback')
    .argument('<bucket>')
    .argument('<key>')
    .argument('<n>')
    .action((bucket: string, key: string, n: string) => emit({ name: 'preflist', bucket, key, n }));
  program
    .command('ping')
    .description('the ping service (n consecutive partitions with <n>)')
    .argument('[n]')
    .action((n: string | undefined) => emit(n === undefined ? { name: 'ping' } : { name: 'ping', n }));
  program
    .command('other-ping')
    .description('the ping service for the ring key ("ping", key)')
    .argument('<key>')
    .action((key: string) => emit({ name: 'other-ping', key }));
  program
    .command('repair')
    .description("rebuild a partition's vnode on this node from its neighbours' replicas")
    .argument('<partition>')
    .action((partition: string) => emit({ name: 'repair', partition: partitionId(partition) }));

  const kv = program.command('kv').description('the KV service');
  kv.command('store')
    .description('store a JSON value')
    .argument('<key>')
    .argument('<json>')
    .argument('[n]')
    .argument('[w]')
    .action((key: string, json: string, n?: string, w?: string) => emit({ name: 'kv-store', key, json, n, w }));
  kv.command('fetch')
    .description('fetch a value')
    .argument('<key>')
    .argument('[n]')
    .argument('[r]')
    .action((key: string, n?: string, r?: string) => emit({ name: 'kv-fetch', key, n, r }));
  kv.command('delete')
    .description('delete a value')
    .argument('<key>')
    .argument('[n]')
    .argument('[w]')
    .action((key: string, n?: string, w?: string) => emit({ name: 'kv-delete', key, n, w }));

  const devrel = program.command('devrel').description('a local development cluster');
  const appOption = (): Option =>
    new Option('--app <app>', 'which application').choices([...DEVREL_APPS]).default('api');
  devrel
    .command('start')
    .description('start nodes 1..count, join them and wait until the ring settles')
    .argument('<count>')
    .addOption(appOption())
    .action((count: string, opts: { app: DevrelApp }) =>
      emit({ name: 'devrel-start', app: opts.app, count: devrelCount(count) }),
    );
  for (const [sub, description] of [
    ['stop', 'stop the nodes, keeping their data'],
    ['clean', 'stop the nodes and delete their data'],
    ['status', 'pid and restart command of each node, then member-status'],
  ] as const) {
    devrel
      .command(sub)
      .description(description)
      .addOption(appOption())
      .action((opts: { app: DevrelApp }) => emit({ name: `devrel-${sub}`, app: opts.app }));
  }
  return program;
}

function allCommands(root: Commander): Commander[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

function oneLineError(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
}

/**
 * Parses the user's arguments (without `node` and the script path). The node comes
 * from `--node` (before or after the command), else RINGNEST_NODE, else the default.
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  let parsed: CliCommand | undefined;
  let helpText = '';
  let failedIn: Commander | undefined;
  const program = buildProgram((command) => {
    parsed = command;
  });
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (text) => {
        helpText += text;
      },
      writeErr: () => {
        failedIn = failedIn ?? cmd;
      },
      outputError: () => {
        failedIn = failedIn ?? cmd;
      },
    });
    cmd.hook('preAction', (_self, action) => {
      failedIn = action;
    });
  }

  try {
    program.parse([...argv], { from: 'user' });
  } catch (err: unknown) {
    const helpAsked =
      err instanceof CommanderError &&
      (err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        (err.code === 'commander.help' && err.exitCode === 0));
    if (helpAsked) {
      return { kind: 'help', text: helpText };
    }
    const where = failedIn ?? program;
    if (err instanceof UsageProblem) {
      return { kind: 'usage', message: `ringnest: ${err.message}. ${usageLine(where)}` };
    }
    if (err instanceof CommanderError) {
      const problem =
        err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync'
          ? where === program
            ? 'missing command'
            : `missing subcommand for '${fullName(where).replace(/^ringnest /, '')}'`
          : oneLineError(err.message);
      return { kind: 'usage', message: `ringnest: ${problem}. ${usageLine(where)} (see ringnest --help)` };
    }
    throw err;
  }
  if (!parsed) {
    return { kind: 'usage', message: `ringnest: missing command. ${usageLine(program)} (see ringnest --help)` };
  }

  const fromFlag = program.opts<{ node?: string }>().node;
  const fromEnv = env['RINGNEST_NODE'];
  const text = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_NODE);
  const node = parseNodeAddress(text);
  if (!node) {
    const source = fromFlag !== undefined ? '--node' : 'RINGNEST_NODE';
    return { kind: 'usage', message: `ringnest: ${source} must be host:port, got '${text}'. ${usageLine(program)}` };
  }
  return { kind: 'run', node, command: parsed };
}
