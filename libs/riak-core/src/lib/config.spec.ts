import { ConfigError, DEVELOPMENT_SECRET, parseNodeConfig } from './config';

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
  it('has the SPEC §2 defaults', () => {
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
    [{ BIND: '0.0.0.0', ADMIN_TOKEN: 't' }, 'CLUSTER_SECRET'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: DEVELOPMENT_SECRET, ADMIN_TOKEN: 't' }, 'CLUSTER_SECRET'],
    [{ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret' }, 'ADMIN_TOKEN'],
  ])('refuses %j naming %s', (env, variable) => {
    const err = refusal(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('accepts a public bind with a secret and a token, advertising the node host', () => {
    const c = parseNodeConfig({ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't', RINGNEST_NAME: 'a@10.1.2.3' }, api);
    expect(c.clusterAddr).toBe('10.1.2.3:9000');
  });
});
