import { ConfigError, DEVELOPMENT_SECRET, isLoopback, parseNodeConfig } from './config';

const api = { app: 'api', httpPort: 4000, clusterPort: 9000 };

function refusal(env: Record<string, string>): ConfigError {
  try {
    parseNodeConfig(env, api);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseNodeConfig', () => {
  it('has the README, configuration table defaults', () => {
    const c = parseNodeConfig({}, api);
    expect(c).toMatchObject({
      node: 'dev1@127.0.0.1',
      httpPort: 4000,
      clusterPort: 9000,
      ringSize: 64,
      dataDir: './data/dev1@127.0.0.1',
      storage: 'lmdb',
      bind: '127.0.0.1',
      secret: DEVELOPMENT_SECRET,
      clusterAddr: '127.0.0.1:9000',
    });
  });

  it('reads every variable', () => {
    const c = parseNodeConfig(
      { RINGNEST_NAME: 'x@10.0.0.1', HTTP_PORT: '4001', CLUSTER_PORT: '9001', RING_SIZE: '16', DATA_DIR: '/d', STORAGE: 'memory', JOIN: '127.0.0.1:9000' },
      api,
    );
    expect(c).toMatchObject({ node: 'x@10.0.0.1', httpPort: 4001, clusterPort: 9001, ringSize: 16, dataDir: '/d', storage: 'memory', join: '127.0.0.1:9000' });
  });

  it('takes an empty variable as unset', () => {
    const c = parseNodeConfig({ RINGNEST_NAME: '', HTTP_PORT: '', CLUSTER_PORT: '', RING_SIZE: '', DATA_DIR: '', STORAGE: '', BIND: '', CLUSTER_SECRET: '', JOIN: '' }, api);
    expect(c).toMatchObject({ node: 'dev1@127.0.0.1', httpPort: 4000, clusterPort: 9000, ringSize: 64, dataDir: './data/dev1@127.0.0.1', storage: 'lmdb', bind: '127.0.0.1', secret: DEVELOPMENT_SECRET, join: undefined });
  });

  it('keeps the message of each refusal', () => {
    expect(refusal({ RING_SIZE: '100' }).message).toBe("RING_SIZE: must be a power of two between 8 and 1024, got '100'");
    expect(refusal({ HTTP_PORT: '70000' }).message).toBe("HTTP_PORT: must be a port number 1..65535, got '70000'");
    expect(refusal({ HTTP_PORT: '9000' }).message).toBe('CLUSTER_PORT: must differ from HTTP_PORT (9000)');
    expect(refusal({ STORAGE: 'rocks' }).message).toBe("STORAGE: must be 'lmdb' or 'memory', got 'rocks'");
    expect(refusal({ RINGNEST_NAME: 'nohost' }).message).toBe("RINGNEST_NAME: must look like name@host, got 'nohost'");
    expect(refusal({ JOIN: 'nowhere' }).message).toBe("JOIN: must be host:port, got 'nowhere'");
    expect(refusal({ BIND: '0.0.0.0', ADMIN_TOKEN: 't' }).message).toBe('CLUSTER_SECRET: must be set to a private secret when BIND (0.0.0.0) is not loopback');
    expect(refusal({ BIND: '0.0.0.0', CLUSTER_SECRET: 's' }).message).toBe('ADMIN_TOKEN: must be set when BIND (0.0.0.0) is not loopback');
  });

  it.each([
    [{ RING_SIZE: '100' }, 'RING_SIZE'],
    [{ RING_SIZE: '4' }, 'RING_SIZE'],
    [{ RING_SIZE: '2048' }, 'RING_SIZE'],
    [{ RING_SIZE: '64x' }, 'RING_SIZE'],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT'],
    [{ CLUSTER_PORT: 'abc' }, 'CLUSTER_PORT'],
    [{ HTTP_PORT: '9000' }, 'CLUSTER_PORT'],
    [{ STORAGE: 'rocks' }, 'STORAGE'],
    [{ RINGNEST_NAME: 'nohost' }, 'RINGNEST_NAME'],
    [{ JOIN: 'nowhere' }, 'JOIN'],
    [{ LOG_LEVEL: 'verbos' }, 'LOG_LEVEL'],
    [{ HANDOFF_CONCURRENCY: '65' }, 'HANDOFF_CONCURRENCY'],
    [{ BIND: '0.0.0.0', ADMIN_TOKEN: 't' }, 'CLUSTER_SECRET'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: DEVELOPMENT_SECRET, ADMIN_TOKEN: 't' }, 'CLUSTER_SECRET'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret' }, 'ADMIN_TOKEN'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't' }, 'CLUSTER_INSECURE'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't', CLUSTER_INSECURE: '0' }, 'CLUSTER_INSECURE'],
    [{ CLUSTER_INSECURE: 'yes' }, 'CLUSTER_INSECURE'],
    [{ FAULTS: 'true' }, 'FAULTS'],
    [{ FAULTS: '2' }, 'FAULTS'],
    [{ CLUSTER_MAX_UNAUTHENTICATED: '0' }, 'CLUSTER_MAX_UNAUTHENTICATED'],
    [{ CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS: 'many' }, 'CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS'],
  ])('refuses %j naming %s', (env, variable) => {
    const err = refusal(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('accepts a public bind with a secret, a token and CLUSTER_INSECURE=1, advertising the node host', () => {
    const c = parseNodeConfig({ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't', CLUSTER_INSECURE: '1', RINGNEST_NAME: 'a@10.1.2.3' }, api);
    expect(c.clusterAddr).toBe('10.1.2.3:9000');
  });

  it('refuses a public bind without TLS unless CLUSTER_INSECURE=1, saying what to set', () => {
    expect(refusal({ BIND: '10.0.0.5', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't' }).message).toBe(
      'CLUSTER_INSECURE: must be 1 to serve the cluster port without TLS when BIND (10.0.0.5) is not loopback; set CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA instead',
    );
    expect(parseNodeConfig({ CLUSTER_INSECURE: '1' }, api).bind).toBe('127.0.0.1'); // harmless on loopback
  });

  it('turns fault injection on only with FAULTS=1', () => {
    expect(parseNodeConfig({}, api).faults).toBeUndefined();
    expect(parseNodeConfig({ FAULTS: '0' }, api).faults).toBeUndefined();
    expect(parseNodeConfig({ FAULTS: '1' }, api).faults).toBe(true);
  });

  it('reads the limits on unauthenticated cluster connections', () => {
    expect(parseNodeConfig({}, api)).toMatchObject({ clusterMaxUnauthenticated: 64, clusterMaxUnauthenticatedPerAddress: 8 });
    const c = parseNodeConfig({ CLUSTER_MAX_UNAUTHENTICATED: '500', CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS: '20' }, api);
    expect(c).toMatchObject({ clusterMaxUnauthenticated: 500, clusterMaxUnauthenticatedPerAddress: 20 });
  });

  it('reads the bound on HTTP requests answered at once', () => {
    expect(parseNodeConfig({}, api).httpMaxInFlight).toBe(256);
    expect(parseNodeConfig({ HTTP_MAX_IN_FLIGHT: '2000' }, api).httpMaxInFlight).toBe(2000);
    expect(() => parseNodeConfig({ HTTP_MAX_IN_FLIGHT: '0' }, api)).toThrow("HTTP_MAX_IN_FLIGHT: must be an integer between 1 and 100000, got '0'");
  });
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.255', 'localhost', 'LOCALHOST', '::1', '0:0:0:0:0:0:0:1', '0::1', '::ffff:127.0.0.1', '::ffff:7f00:1'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['127.example.com', '127.0.0.1.nip.io', '127.0.0.256', '127.1', '0x7f.0.0.1', '128.0.0.1', '10.0.0.1', '0.0.0.0', '::', '::2', 'fe80::1', '::ffff:10.0.0.1', '[::1]', '::1]@x', ''])(
    '%j is not loopback',
    (host) => {
      expect(isLoopback(host)).toBe(false);
    },
  );

  it('makes a name that merely starts with 127. a public bind, which needs a secret', () => {
    expect(refusal({ BIND: '127.example.com' }).variable).toBe('CLUSTER_SECRET');
  });
});

describe('ALLOWED_ORIGINS and ALLOWED_HOSTS', () => {
  it('are empty by default', () => {
    expect(parseNodeConfig({}, api)).toMatchObject({ allowedOrigins: [], allowedHosts: [] });
  });

  it('are read as comma-separated lists, normalised as browsers send them', () => {
    const c = parseNodeConfig({ ALLOWED_ORIGINS: ' https://Ops.Example.com, http://127.0.0.1:8080/ ,,https://x.example:443', ALLOWED_HOSTS: 'Node1.Internal, proxy:8443,[::1]' }, api);
    expect(c.allowedOrigins).toEqual(['https://ops.example.com', 'http://127.0.0.1:8080', 'https://x.example']);
    expect(c.allowedHosts).toEqual(['node1.internal', 'proxy:8443', '[::1]']);
  });

  it.each([
    [{ ALLOWED_ORIGINS: 'ops.example.com' }, "ALLOWED_ORIGINS: must be a comma-separated list of origins like https://ops.example.com, got 'ops.example.com'"],
    [{ ALLOWED_ORIGINS: 'https://a.example, https://b.example/path' }, "ALLOWED_ORIGINS: must be a comma-separated list of origins like https://ops.example.com, got 'https://b.example/path'"],
    [{ ALLOWED_ORIGINS: '*' }, "ALLOWED_ORIGINS: must be a comma-separated list of origins like https://ops.example.com, got '*'"],
    [{ ALLOWED_ORIGINS: 'null' }, "ALLOWED_ORIGINS: must be a comma-separated list of origins like https://ops.example.com, got 'null'"],
    [{ ALLOWED_HOSTS: 'http://a.example' }, "ALLOWED_HOSTS: must be a comma-separated list of host names, each optionally with :port, got 'http://a.example'"],
    [{ ALLOWED_HOSTS: 'a b' }, "ALLOWED_HOSTS: must be a comma-separated list of host names, each optionally with :port, got 'a b'"],
  ])('refuses %j', (env, message) => {
    expect(refusal(env).message).toBe(message);
  });
});
