import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { main } from './cli';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status?: number;
  body: string | object;
}

/** A fake node: answers every request with `reply(seen)` and records what it saw. */
class FakeNode {
  readonly seen: Seen[] = [];
  reply: (seen: Seen) => Reply | undefined = () => ({ body: { text: 'ok' } });
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.seen.push(seen);
      const reply = this.reply(seen);
      if (!reply) return; // never answer
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get last(): Seen {
    return this.seen[this.seen.length - 1];
  }
}

function sink(isTTY = false): { write(chunk: string): boolean; isTTY: boolean; text: string } {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

async function cli(argv: string[], env: Record<string, string> = {}, tty = false) {
  const stdout = sink(tty);
  const stderr = sink();
  const code = await main({ argv, env, stdout, stderr, root: '/nonexistent' });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('main (in-process, against a fake node)', () => {
  const fake = new FakeNode();
  let node = '';

  beforeAll(async () => {
    node = await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.seen.length = 0;
    fake.reply = () => ({ body: { text: 'ok' } });
  });

  it('prints the text of an admin answer and exits 0', async () => {
    const table = '=== Membership ===\nvalid      100.0%      --      \'dev1@127.0.0.1\'';
    fake.reply = () => ({ body: { text: table, members: [] } });
    const result = await cli(['--node', node, 'member-status']);
    expect(result).toEqual({ code: 0, stdout: `${table}\n`, stderr: '' });
    expect(fake.last).toMatchObject({ method: 'GET', url: '/api/cluster/member-status' });
  });

  it('finds the node through --node after the command and through RINGNEST_NODE', async () => {
    expect((await cli(['ring-status', '--node', node])).code).toBe(0);
    expect(fake.last.url).toBe('/api/cluster/ring-status');
    expect((await cli(['services'], { RINGNEST_NODE: node })).code).toBe(0);
    expect(fake.last.url).toBe('/api/cluster/services');
  });

  it('prints error.message of a refusal and exits 1', async () => {
    fake.reply = () => ({
      status: 409,
      body: { error: { code: 'self_join', message: 'Failed: This node cannot join itself in a cluster' } },
    });
    const result = await cli(['--node', node, 'join', '127.0.0.1:9000']);
    expect(result).toEqual({ code: 1, stdout: 'Failed: This node cannot join itself in a cluster\n', stderr: '' });
    expect(fake.last).toMatchObject({ method: 'POST', url: '/api/cluster/join' });
    expect(JSON.parse(fake.last.body)).toEqual({ target: '127.0.0.1:9000' });
    expect(fake.last.headers['content-type']).toBe('application/json');
  });

  it('prints a framework 404 that lacks error.message as one Failed line', async () => {
    fake.reply = () => ({ status: 404, body: { message: 'Cannot GET /api/cluster/services', statusCode: 404 } });
    const result = await cli(['--node', node, 'services']);
    expect(result).toEqual({ code: 1, stdout: 'Failed: HTTP 404 Cannot GET /api/cluster/services\n', stderr: '' });
  });

  it('says clearly when the node cannot be reached, naming the address, and exits 1', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const result = await cli(['--node', address, 'member-status']);
    expect(result).toEqual({ code: 1, stdout: `Node ${address} is not reachable!\n`, stderr: '' });
  });

  it('gives up after the request timeout', async () => {
    fake.reply = () => undefined;
    const result = await cli(['--node', node, 'member-status'], { RINGNEST_TIMEOUT_MS: '200' });
    expect(result).toEqual({ code: 1, stdout: `Node ${node} did not answer within 200 ms\n`, stderr: '' });
  });

  it('says so when the node closes the connection without answering', async () => {
    const server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await cli(['--node', address, 'leave']);
      expect(result).toEqual({ code: 1, stdout: `Node ${address} did not answer (ECONNRESET)\n`, stderr: '' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the ADMIN_TOKEN as a bearer token, and no authorization without it', async () => {
    await cli(['--node', node, 'member-status'], { ADMIN_TOKEN: 's3cret' });
    expect(fake.last.headers['authorization']).toBe('Bearer s3cret');
    await cli(['--node', node, 'member-status']);
    expect(fake.last.headers['authorization']).toBeUndefined();
  });

  it('maps the staged cluster commands to their routes and bodies', async () => {
    const cases: Array<[string[], string, string, unknown]> = [
      [['cluster', 'join', '127.0.0.1:9001'], 'POST', '/api/cluster/staged/join', { target: '127.0.0.1:9001' }],
      [['cluster', 'leave'], 'POST', '/api/cluster/staged/leave', {}],
      [['cluster', 'leave', 'dev2@127.0.0.1'], 'POST', '/api/cluster/staged/leave', { node: 'dev2@127.0.0.1' }],
      [['cluster', 'force-remove', 'dev3@127.0.0.1'], 'POST', '/api/cluster/staged/force-remove', { node: 'dev3@127.0.0.1' }],
      [['cluster', 'replace', 'a@h', 'b@h'], 'POST', '/api/cluster/staged/replace', { node: 'a@h', replacement: 'b@h' }],
      [['cluster', 'plan'], 'GET', '/api/cluster/plan', undefined],
      [['cluster', 'commit'], 'POST', '/api/cluster/commit', {}],
      [['cluster', 'clear'], 'POST', '/api/cluster/clear', {}],
      [['leave'], 'POST', '/api/cluster/leave', {}],
      [['down', 'dev2@127.0.0.1'], 'POST', '/api/cluster/down', { node: 'dev2@127.0.0.1' }],
      [['repair', '365375409332725729550921208179070754913983135744'], 'POST', '/api/cluster/repair', { partition: '365375409332725729550921208179070754913983135744' }],
      [['transfers'], 'GET', '/api/cluster/transfers', undefined],
      [['aae-status'], 'GET', '/api/cluster/aae', undefined],
    ];
    for (const [argv, method, url, body] of cases) {
      fake.reply = () => ({ body: { text: `did ${argv.join(' ')}` } });
      const result = await cli(['--node', node, ...argv]);
      expect({ argv, result }).toEqual({ argv, result: { code: 0, stdout: `did ${argv.join(' ')}\n`, stderr: '' } });
      expect({ argv, method: fake.last.method, url: fake.last.url }).toEqual({ argv, method, url });
      expect({ argv, body: fake.last.body === '' ? undefined : JSON.parse(fake.last.body) }).toEqual({ argv, body });
    }
  });

  it('exits 0 for ringready TRUE and 1 for FALSE', async () => {
    fake.reply = () => ({ body: { ready: true, nodes: [], text: 'TRUE All nodes agree on the ring [dev1@127.0.0.1]' } });
    expect(await cli(['--node', node, 'ringready'])).toEqual({
      code: 0,
      stdout: 'TRUE All nodes agree on the ring [dev1@127.0.0.1]\n',
      stderr: '',
    });
    fake.reply = () => ({ body: { ready: false, nodes: [], text: 'FALSE dev2@127.0.0.1 is down' } });
    expect(await cli(['--node', node, 'ringready'])).toEqual({ code: 1, stdout: 'FALSE dev2@127.0.0.1 is down\n', stderr: '' });
  });

  it('prints one line per preference-list entry', async () => {
    fake.reply = () => ({
      body: {
        entries: [
          { partition: '0', node: 'dev1@127.0.0.1', type: 'primary' },
          { partition: '22835963083295358096932575511191922182123945984', node: 'dev3@127.0.0.1', type: 'fallback' },
        ],
      },
    });
    const result = await cli(['--node', node, 'preflist', 'store', 'my key', '2']);
    expect(result).toEqual({
      code: 0,
      stdout: '0 dev1@127.0.0.1 primary\n22835963083295358096932575511191922182123945984 dev3@127.0.0.1 fallback\n',
      stderr: '',
    });
    expect(fake.last.url).toBe('/api/cluster/preflist?bucket=store&key=my+key&n=2');
  });

  it('prints the transfers text, or progress bars on a TTY', async () => {
    fake.reply = () => ({
      body: {
        text: 'ownership 0 dev1 -> dev2 50%',
        transfers: [{ partition: '0', type: 'ownership', from: 'dev1@127.0.0.1', to: 'dev2@127.0.0.1', progress: 0.5 }],
      },
    });
    expect((await cli(['--node', node, 'transfers'])).stdout).toBe('ownership 0 dev1 -> dev2 50%\n');
    const tty = await cli(['--node', node, 'transfers'], {}, true);
    expect(tty.stdout).toBe(`ownership 0 dev1@127.0.0.1 -> dev2@127.0.0.1 [${'#'.repeat(15)}${'-'.repeat(15)}]  50%\n`);
    fake.reply = () => ({ body: { text: 'No transfers active', transfers: [] } });
    expect((await cli(['--node', node, 'transfers'], {}, true)).stdout).toBe('No transfers active\n');
  });

  describe('kv and ping print the HTTP body on one line', () => {
    it('stores the JSON argument verbatim and prints the body as received', async () => {
      const answer = '{"data":[true,true],"context":"g2wAAAAB"}';
      fake.reply = () => ({ body: answer });
      const result = await cli(['--node', node, 'kv', 'store', 'k/1', '{ "name": "x" }', '3', '2']);
      expect(result).toEqual({ code: 0, stdout: `${answer}\n`, stderr: '' });
      expect(fake.last).toMatchObject({ method: 'PUT', url: '/api/store/k%2F1?n=3&w=2', body: '{ "name": "x" }' });
      expect(fake.last.headers['content-type']).toBe('application/json');
    });

    it('fetches and deletes with their optional n and r/w', async () => {
      fake.reply = () => ({ body: '{"data":"not_found"}' });
      expect(await cli(['--node', node, 'kv', 'fetch', 'missing'])).toEqual({
        code: 0,
        stdout: '{"data":"not_found"}\n',
        stderr: '',
      });
      expect(fake.last).toMatchObject({ method: 'GET', url: '/api/store/missing' });
      await cli(['--node', node, 'kv', 'fetch', 'k', '3', '1']);
      expect(fake.last.url).toBe('/api/store/k?n=3&r=1');
      expect(fake.last.headers['content-type']).toBeUndefined();
      await cli(['--node', node, 'kv', 'delete', 'k', '3']);
      expect(fake.last).toMatchObject({ method: 'DELETE', url: '/api/store/k?n=3', body: '' });
      // a node refuses a request that changes something without the JSON content type (415)
      expect(fake.last.headers['content-type']).toBe('application/json');
    });

    it("prints the server's JSON error body for a refused kv request and exits 1", async () => {
      const error = '{"error":{"code":"bad_request","message":"w must be an integer between 1 and n"}}';
      fake.reply = () => ({ status: 400, body: error });
      expect(await cli(['--node', node, 'kv', 'store', 'k', '1', '3', 'x'])).toEqual({
        code: 1,
        stdout: `${error}\n`,
        stderr: '',
      });
      expect(fake.last.url).toBe('/api/store/k?n=3&w=x');
    });

    it('pings with n and key, flattening a multi-line body to one line', async () => {
      fake.reply = () => ({ body: '{\n  "pong": "0",\n  "node": "dev1@127.0.0.1"\n}\n' });
      expect((await cli(['--node', node, 'ping'])).stdout).toBe('{"pong":"0","node":"dev1@127.0.0.1"}\n');
      expect(fake.last.url).toBe('/api/ping');
      await cli(['--node', node, 'ping', '3']);
      expect(fake.last.url).toBe('/api/ping?n=3');
      await cli(['--node', node, 'other-ping', 'hello world']);
      expect(fake.last.url).toBe('/api/ping?key=hello+world');
    });

    it('prints a ping 404 body and exits 1', async () => {
      const body = '{"message":"Cannot GET /api/ping","error":"Not Found","statusCode":404}';
      fake.reply = () => ({ status: 404, body });
      expect(await cli(['--node', node, 'ping'])).toEqual({ code: 1, stdout: `${body}\n`, stderr: '' });
    });
  });

  describe('usage errors', () => {
    it.each([
      [['bogus']],
      [[]],
      [['join']],
      [['cluster', 'replace', 'a']],
      [['member-status', 'extra']],
      [['devrel', 'start', 'x']],
      [['devrel', 'start', '3', 'extra']],
    ])('%j exits 2 with one usage line on stderr and contacts no node', async (argv) => {
      const result = await cli([...argv, '--node', node]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^ringnest: .*Usage: ringnest.*\n$/);
      expect(result.stderr.trimEnd()).not.toContain('\n');
      expect(fake.seen).toHaveLength(0);
    });

    it('rejects a bad RINGNEST_TIMEOUT_MS with exit 2', async () => {
      const result = await cli(['--node', node, 'member-status'], { RINGNEST_TIMEOUT_MS: 'soon' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('RINGNEST_TIMEOUT_MS');
    });

    it('prints help on stdout and exits 0', async () => {
      const result = await cli(['--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: ringnest');
      expect(result.stdout).toContain('devrel start <count>');
    });
  });
});
