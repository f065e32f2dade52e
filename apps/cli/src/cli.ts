/**
 * The CLI as a function: argv, environment and output sinks in, exit code out
 * (0 success, 1 refused or unreachable, 2 bad usage). Dispatches node commands to the
 * HTTP API and devrel commands to local process management.
 */
import { parseArgs } from './args';
import { DevrelContext, devrelClean, devrelStart, devrelStatus, devrelStop } from './devrel';
import { AdminClient, failureLine, HttpOutcome } from './http-client';
import { asRecord, oneLine, Output, printLine, refusalMessage, transferBars } from './output';
import { HttpPlan, NodeCommand, planRequest } from './requests';

export type Env = Readonly<Record<string, string | undefined>>;

export interface MainIo {
  /** The user's arguments (without `node` and the script path). */
  argv: readonly string[];
  env: Env;
  stdout: Output;
  stderr: Output;
  /** The checkout root (devrel's data and dist folders); default env RINGNEST_ROOT, else the cwd. */
  root?: string;
  /** Shifts every devrel port; tests only. */
  devrelPortOffset?: number;
  /** Poll interval of devrel waits; tests only. */
  devrelPollIntervalMs?: number;
}

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** A positive integer from an environment variable; undefined when unset, null when invalid. */
function envMillis(env: Env, name: string): number | undefined | null {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

/** Prints an answer the way its plan says; the exit code. */
export function render(plan: HttpPlan, client: AdminClient, outcome: HttpOutcome, stdout: Output): number {
  if (outcome.kind !== 'answer') {
    printLine(stdout, failureLine(client.node, outcome));
    return EXIT_REFUSED;
  }
  const ok = outcome.status >= 200 && outcome.status < 300;
  if (plan.rendering === 'body') {
    printLine(stdout, oneLine(outcome.body) || `HTTP ${outcome.status} ${outcome.statusText}`.trim());
    return ok ? EXIT_OK : EXIT_REFUSED;
  }
  if (!ok) {
    printLine(stdout, refusalMessage(outcome.status, outcome.statusText, outcome.json));
    return EXIT_REFUSED;
  }
  const answer = asRecord(outcome.json);
  const text = typeof answer?.['text'] === 'string' ? answer['text'] : undefined;
  switch (plan.rendering) {
    case 'preflist': {
      const entries = answer?.['entries'];
      if (Array.isArray(entries)) {
        for (const entry of entries) {
          const e = asRecord(entry);
          const type = e?.['type'] ?? (e?.['primary'] === true ? 'primary' : e?.['primary'] === false ? 'fallback' : '?');
          printLine(stdout, `${String(e?.['partition'])} ${String(e?.['node'])} ${String(type)}`);
        }
        return EXIT_OK;
      }
      break;
    }
    case 'transfers': {
      const bars = stdout.isTTY ? transferBars(outcome.json) : undefined;
      if (bars) {
        for (const bar of bars) printLine(stdout, bar);
        return EXIT_OK;
      }
      break;
    }
    case 'ringready': {
      printLine(stdout, text ?? oneLine(outcome.body));
      const ready = answer?.['ready'];
      const isReady = typeof ready === 'boolean' ? ready : (text ?? '').startsWith('TRUE');
      return isReady ? EXIT_OK : EXIT_REFUSED;
    }
    case 'text':
      break;
  }
  printLine(stdout, text ?? oneLine(outcome.body));
  return EXIT_OK;
}

async function runNodeCommand(client: AdminClient, command: NodeCommand, io: MainIo, timeoutMs?: number): Promise<number> {
  const plan = planRequest(command, timeoutMs);
  const outcome = await client.request(plan.method, plan.path, { body: plan.body, timeoutMs: plan.timeoutMs });
  return render(plan, client, outcome, io.stdout);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(io: MainIo): Promise<number> {
  const parsed = parseArgs(io.argv, io.env);
  if (parsed.kind === 'help') {
    io.stdout.write(parsed.text);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage') {
    printLine(io.stderr, parsed.message);
    return EXIT_USAGE;
  }
  const token = io.env['ADMIN_TOKEN'] || undefined;
  const requestTimeout = envMillis(io.env, 'RINGNEST_TIMEOUT_MS');
  const settleTimeout = envMillis(io.env, 'DEVREL_TIMEOUT_MS');
  for (const [name, value] of [
    ['RINGNEST_TIMEOUT_MS', requestTimeout],
    ['DEVREL_TIMEOUT_MS', settleTimeout],
  ] as const) {
    if (value === null) {
      printLine(io.stderr, `ringnest: ${name} must be a positive integer (milliseconds), got '${io.env[name]}'`);
      return EXIT_USAGE;
    }
  }

  const { command } = parsed;
  switch (command.name) {
    case 'devrel-start':
    case 'devrel-stop':
    case 'devrel-clean':
    case 'devrel-status': {
      const ctx: DevrelContext = {
        root: io.root ?? io.env['RINGNEST_ROOT'] ?? process.cwd(),
        env: io.env,
        out: io.stdout,
        err: io.stderr,
        token,
        portOffset: io.devrelPortOffset ?? 0,
        settleTimeoutMs: settleTimeout ?? 180_000,
        healthTimeoutMs: 30_000,
        stopTimeoutMs: 30_000,
        pollIntervalMs: io.devrelPollIntervalMs ?? 250,
        buildTimeoutMs: 600_000,
      };
      if (command.name === 'devrel-start') return devrelStart(ctx, command.app, command.count);
      if (command.name === 'devrel-stop') return devrelStop(ctx, command.app);
      if (command.name === 'devrel-clean') return devrelClean(ctx, command.app);
      return devrelStatus(ctx, command.app);
    }
    default:
      return runNodeCommand(new AdminClient(parsed.node, token), command, io, requestTimeout ?? undefined);
  }
}
