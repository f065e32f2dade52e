import { DEFAULT_NODE, parseArgs, ParseResult } from './args';

function run(argv: string[], env: Record<string, string> = {}): ParseResult {
  return parseArgs(argv, env);
}

function usage(argv: string[], env: Record<string, string> = {}): string {
  const result = run(argv, env);
  if (result.kind !== 'usage') throw new Error(`expected a usage error, got ${JSON.stringify(result)}`);
  return result.message;
}

describe('parseArgs', () => {
  it('parses a simple command against the default node', () => {
    const result = run(['member-status']);
    expect(result).toEqual({
      kind: 'run',
      node: { host: '127.0.0.1', port: 4000, label: DEFAULT_NODE },
      command: { name: 'member-status' },
    });
  });

  it('accepts --node before or after the command, and after nested subcommands', () => {
    for (const argv of [
      ['--node', '10.0.0.1:4001', 'ring-status'],
      ['ring-status', '--node', '10.0.0.1:4001'],
      ['ring-status', '--node=10.0.0.1:4001'],
    ]) {
      const result = run(argv);
      expect(result.kind === 'run' && result.node).toEqual({ host: '10.0.0.1', port: 4001, label: '10.0.0.1:4001' });
    }
    const nested = run(['cluster', 'join', '127.0.0.1:9001', '--node', '127.0.0.1:4002']);
    expect(nested).toEqual({
      kind: 'run',
      node: { host: '127.0.0.1', port: 4002, label: '127.0.0.1:4002' },
      command: { name: 'cluster-join', target: '127.0.0.1:9001' },
    });
  });

  it('takes the node from RINGNEST_NODE unless --node is given', () => {
    const fromEnv = run(['services'], { RINGNEST_NODE: 'localhost:4100' });
    expect(fromEnv.kind === 'run' && fromEnv.node.label).toBe('localhost:4100');
    const flagWins = run(['services', '--node', 'localhost:4001'], { RINGNEST_NODE: 'localhost:4100' });
    expect(flagWins.kind === 'run' && flagWins.node.label).toBe('localhost:4001');
  });

  it('accepts bracketed IPv6 node addresses', () => {
    const result = run(['--node', '[::1]:4000', 'ping']);
    expect(result.kind === 'run' && result.node).toEqual({ host: '::1', port: 4000, label: '[::1]:4000' });
  });

  it('parses every command into its typed form', () => {
    const cases: Array<[string[], unknown]> = [
      [['ringready'], { name: 'ringready' }],
      [['transfers'], { name: 'transfers' }],
      [['aae-status'], { name: 'aae-status' }],
      [['join', '127.0.0.1:9000'], { name: 'join', target: '127.0.0.1:9000' }],
      [['cluster', 'leave'], { name: 'cluster-leave' }],
      [['cluster', 'leave', 'dev2@127.0.0.1'], { name: 'cluster-leave', node: 'dev2@127.0.0.1' }],
      [['cluster', 'force-remove', 'dev3@127.0.0.1'], { name: 'cluster-force-remove', node: 'dev3@127.0.0.1' }],
      [['cluster', 'replace', 'a@h', 'b@h'], { name: 'cluster-replace', node: 'a@h', replacement: 'b@h' }],
      [['cluster', 'plan'], { name: 'cluster-plan' }],
      [['cluster', 'commit'], { name: 'cluster-commit' }],
      [['cluster', 'clear'], { name: 'cluster-clear' }],
      [['leave'], { name: 'leave' }],
      [['down', 'dev2@127.0.0.1'], { name: 'down', node: 'dev2@127.0.0.1' }],
      [['preflist', 'store', 'k', '3'], { name: 'preflist', bucket: 'store', key: 'k', n: '3' }],
      [['ping'], { name: 'ping' }],
      [['ping', '3'], { name: 'ping', n: '3' }],
      [['other-ping', 'hello'], { name: 'other-ping', key: 'hello' }],
      [['kv', 'store', 'k', '{"a":1}'], { name: 'kv-store', key: 'k', json: '{"a":1}' }],
      [['kv', 'store', 'k', '1', '3', '2'], { name: 'kv-store', key: 'k', json: '1', n: '3', w: '2' }],
      [['kv', 'fetch', 'k', '3'], { name: 'kv-fetch', key: 'k', n: '3' }],
      [['kv', 'delete', 'k', '3', '1'], { name: 'kv-delete', key: 'k', n: '3', w: '1' }],
      [['repair', '1461501637330902918203684832716283019655932542976'], { name: 'repair', partition: '1461501637330902918203684832716283019655932542976' }],
      [['devrel', 'start', '3'], { name: 'devrel-start', app: 'api', count: 3 }],
      [['devrel', 'start', '2', '--app', 'chat'], { name: 'devrel-start', app: 'chat', count: 2 }],
      [['devrel', 'stop', '--app', 'chat'], { name: 'devrel-stop', app: 'chat' }],
      [['devrel', 'clean'], { name: 'devrel-clean', app: 'api' }],
      [['devrel', 'status'], { name: 'devrel-status', app: 'api' }],
    ];
    for (const [argv, command] of cases) {
      const result = run(argv);
      expect({ argv, command: result.kind === 'run' ? result.command : result }).toEqual({ argv, command });
    }
  });

  it('keeps kv values that look like options', () => {
    const result = run(['kv', 'store', 'k', '-1']);
    expect(result.kind === 'run' ? result.command : result).toEqual({ name: 'kv-store', key: 'k', json: '-1' });
  });

  it('reports bad usage on one line naming the problem and the usage', () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /unknown command 'bogus'.*Usage: ringnest/],
      [[], /missing command/],
      [['cluster'], /missing subcommand for 'cluster'.*Usage: ringnest cluster/],
      [['join'], /missing required argument.*Usage: ringnest join/],
      [['preflist', 'store', 'k'], /missing required argument 'n'/],
      [['cluster', 'replace', 'a'], /missing required argument 'b'.*Usage: ringnest cluster replace/],
      [['member-status', 'extra'], /too many arguments/],
      [['down', 'a', 'b'], /too many arguments/],
      [['kv', 'fetch', 'k', '3', '2', '1'], /too many arguments.*Usage: ringnest kv fetch/],
      [['devrel', 'start'], /missing required argument 'count'/],
      [['devrel', 'start', 'three'], /count must be an integer.*'three'.*Usage: ringnest devrel start/],
      [['devrel', 'start', '2.5'], /count must be an integer/],
      [['devrel', 'start', '0'], /count must be an integer/],
      [['devrel', 'start', '2', '--app', 'web'], /'web'.*invalid|invalid.*'web'/i],
      [['repair', 'abc'], /partition must be a decimal integer/],
      [['member-status', '--bogus'], /unknown option '--bogus'/],
      [['member-status', '--node'], /argument missing/],
      [['--node', 'nohostport', 'member-status'], /--node must be host:port, got 'nohostport'/],
      [['--node', '127.0.0.1:99999', 'member-status'], /--node must be host:port/],
    ];
    for (const [argv, pattern] of cases) {
      const message = usage(argv);
      expect({ argv, message }).toEqual({ argv, message: expect.stringMatching(pattern) });
      expect(message).not.toContain('\n');
    }
    expect(usage(['services'], { RINGNEST_NODE: 'bad' })).toMatch(/RINGNEST_NODE must be host:port, got 'bad'/);
  });

  it('returns the help text for --help', () => {
    const result = run(['--help']);
    expect(result.kind).toBe('help');
    expect(result.kind === 'help' && result.text).toContain('Usage: ringnest [--node host:port] <command>');
    const sub = run(['cluster', '--help']);
    expect(sub.kind === 'help' && sub.text).toContain('force-remove');
    const viaHelpCommand = run(['help', 'cluster']);
    expect(viaHelpCommand.kind === 'help' && viaHelpCommand.text).toContain('Usage: ringnest cluster');
  });
});
