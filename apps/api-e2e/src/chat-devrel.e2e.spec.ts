/** `./ringnest devrel start 3 --app chat` on chat ports 4040–4042: a say reaches all three. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClients, chatLines as L } from './support/chat-client';
import { CliResult, ROOT, until } from './support/cluster';
import { timings, printTimings, joinRoom, allGet } from './support/chat-steps';

describe('./ringnest devrel start 3 --app chat', () => {
  // A copy of ./ringnest in a scratch checkout root (dist linked to the real one), so the devrel
  // data of this test never touches ./data of the shared working tree; the ports are docs/reference/cli.md's.
  let root = '';
  const clients = new ChatClients();
  /** like `ringnest()`, but the copy in the scratch root */
  const devrel = (args: string[]): Promise<CliResult> =>
    new Promise((res) => {
      execFile(join(root, 'ringnest'), args, { cwd: root, env: { ...process.env, STORAGE: 'memory' }, timeout: 240000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        res({ code, stdout, stderr });
      });
    });
  const pids = (): number[] => {
    const data = join(root, 'data');
    if (!existsSync(data)) return [];
    return readdirSync(data)
      .map((d) => join(data, d, 'node.pid'))
      .filter((f) => existsSync(f))
      .map((f) => Number(readFileSync(f, 'utf8').trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  };
  const portOpen = (port: number) =>
    new Promise<boolean>((res) => {
      const s = netConnect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
  const PORTS = [4040, 4041, 4042, 4100, 4101, 4102, 9100, 9101, 9102];
  let launched: number[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ringnest-chat-devrel-'));
    copyFileSync(join(ROOT, 'ringnest'), join(root, 'ringnest'));
    symlinkSync(join(ROOT, 'dist'), join(root, 'dist'));
  });
  afterAll(async () => {
    clients.destroyAll();
    for (const pid of new Set([...launched, ...pids()])) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('brings up 3 chat nodes on chat ports 4040–4042 whose rooms span them', async () => {
    const busy = (await Promise.all(PORTS.map(async (p) => ((await portOpen(p)) ? p : undefined)))).filter((p) => p !== undefined);
    if (busy.length > 0) throw new Error(`devrel chat ports already in use: ${busy.join(', ')} (is a chat devrel cluster running? stop it first)`);

    const start = await devrel(['devrel', 'start', '3', '--app', 'chat']);
    launched = pids();
    expect({ code: start.code, out: start.stdout }).toEqual({ code: 0, out: expect.stringContaining("'chat3@127.0.0.1'") });
    expect(start.stdout).toContain('Valid:3 / Leaving:0 / Exiting:0 / Joining:0 / Down:0');
    expect(launched).toHaveLength(3);

    const room = 'DevRoom';
    const people = await Promise.all(['Ann', 'Ben', 'Cat'].map((name, i) => clients.named(4040 + i, name)));
    for (const [i, c] of people.entries()) {
      await joinRoom(c, c.label, room);
      await allGet(people.slice(0, i), L.hasJoined(room, c.label));
    }
    people[2].send(`say ${room} hello devrel`);
    const ms = await allGet(people, L.message(room, 'Cat', 'hello devrel'));
    timings.push(`devrel chat: a say on 4042 reached 4040/4041/4042 within ${ms} ms`);

    const stop = await devrel(['devrel', 'stop', '--app', 'chat']);
    expect(stop.code).toBe(0);
    await until('devrel chat ports to close', async () => !(await Promise.all([4040, 4041, 4042].map(portOpen))).some(Boolean), 30000);
    await Promise.all(people.map((c) => c.expectClosed(30000)));
  }, 240000);
});

afterAll(printTimings);
