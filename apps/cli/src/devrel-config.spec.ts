import { commandLine, devrelDirName, devrelNode, parseDevrelDirName, shellQuote } from './devrel-config';

describe('devrel layout', () => {
  it('names, ports and data dir of api nodes (docs/reference/cli.md)', () => {
    const node = devrelNode('/repo', 'api', 2);
    expect(node).toMatchObject({
      app: 'api',
      index: 2,
      name: 'dev2@127.0.0.1',
      httpPort: 4001,
      clusterPort: 9001,
      chatPort: undefined,
      dataDir: '/repo/data/dev2',
      script: '/repo/dist/apps/api/main.js',
    });
    expect(node.env).toEqual([
      ['RINGNEST_NAME', 'dev2@127.0.0.1'],
      ['HTTP_PORT', '4001'],
      ['CLUSTER_PORT', '9001'],
      ['DATA_DIR', '/repo/data/dev2'],
    ]);
    expect(node.commandLine).toBe(
      'RINGNEST_NAME=dev2@127.0.0.1 HTTP_PORT=4001 CLUSTER_PORT=9001 DATA_DIR=/repo/data/dev2 node /repo/dist/apps/api/main.js',
    );
    expect(devrelNode('/repo', 'api', 1)).toMatchObject({ name: 'dev1@127.0.0.1', httpPort: 4000, clusterPort: 9000 });
  });

  it('names, ports (chat TCP included) and data dir of chat nodes', () => {
    const node = devrelNode('/repo', 'chat', 3);
    expect(node).toMatchObject({
      name: 'chat3@127.0.0.1',
      httpPort: 4102,
      clusterPort: 9102,
      chatPort: 4042,
      dataDir: '/repo/data/chat3',
      script: '/repo/dist/apps/chat/main.js',
    });
    expect(node.commandLine).toBe(
      'RINGNEST_NAME=chat3@127.0.0.1 HTTP_PORT=4102 CLUSTER_PORT=9102 CHAT_PORT=4042 DATA_DIR=/repo/data/chat3 node /repo/dist/apps/chat/main.js',
    );
  });

  it('shifts every port by the test offset', () => {
    expect(devrelNode('/r', 'chat', 1, 10000)).toMatchObject({ httpPort: 14100, clusterPort: 19100, chatPort: 14040 });
  });

  it('round-trips data directory names per app', () => {
    expect(devrelDirName('api', 7)).toBe('dev7');
    expect(devrelDirName('chat', 1)).toBe('chat1');
    expect(parseDevrelDirName('api', 'dev12')).toBe(12);
    expect(parseDevrelDirName('api', 'chat1')).toBeUndefined();
    expect(parseDevrelDirName('api', 'dev0')).toBeUndefined();
    expect(parseDevrelDirName('api', 'devx')).toBeUndefined();
    expect(parseDevrelDirName('chat', 'chat2')).toBe(2);
    expect(parseDevrelDirName('chat', 'dev2')).toBeUndefined();
  });

  it('quotes paths that need it for the shell', () => {
    expect(shellQuote('/plain/path-1.js')).toBe('/plain/path-1.js');
    expect(shellQuote('/my repo/x')).toBe("'/my repo/x'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(commandLine([['DATA_DIR', '/a b/data/dev1']], '/a b/dist/apps/api/main.js')).toBe(
      "DATA_DIR='/a b/data/dev1' node '/a b/dist/apps/api/main.js'",
    );
  });
});
