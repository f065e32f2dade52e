/**
 * Zap chat (docs/reference/chat-protocol.md) on a 4-node chat cluster of real processes: rooms
 * replicated on the ring (N=3 chat vnodes), messages and notices across nodes, a room whose ring
 * home none of the clients uses, exactly-once delivery, history in the order messages were said,
 * 1,000 connect/join/disconnect cycles with bounded memory (VmRSS of the node process), a reader
 * too slow to keep up, and kill -9 of a room's first primary (failover without re-joining, members
 * of the dead node dropped, history intact after the restart). Waits are event-driven with
 * deadlines (a message should arrive within 1 s; the measured times are printed at the end).
 */
import { ChatClient, ChatClients, chatLines as L, showBytes } from './support/chat-client';
import { NodeProcess, TestCluster, ringnest, until, waitSettled } from './support/cluster';
import { pool } from './support/kv';
import { STEP_MS, FAILOVER_MS, MB, timings, printTimings, nextLine, joinRoom, allGet, preflist, roomHomedOn, heapUsedMb, rssBytes } from './support/chat-steps';

describe('Zap chat on a 4-node chat cluster (rooms on the ring, N=3)', () => {
  const cluster = new TestCluster();
  const clients = new ChatClients();
  let n1: NodeProcess, n2: NodeProcess, n3: NodeProcess, n4: NodeProcess;
  beforeAll(async () => {
    [n1, n2, n3, n4] = await Promise.all(['zap1', 'zap2', 'zap3', 'zap4'].map((name) => cluster.started(name, { app: 'chat' })));
    for (const n of [n2, n3, n4]) {
      const joined = await ringnest(['--node', `127.0.0.1:${n.spec.httpPort}`, 'join', n1.clusterAddr]);
      expect(joined.stdout + joined.stderr).toContain('Success');
    }
    await waitSettled([n1, n2, n3, n4], 120000);
  }, 180000);
  afterEach(() => clients.destroyAll());
  afterAll(() => cluster.stopAll());

  it('a say on node 2 reaches members on nodes 1, 2 and 3; join and leave notices cross nodes', async () => {
    const room = 'CoolRoom';
    const alex = await clients.named(n1.chatPort, 'Alex');
    const bob = await clients.named(n2.chatPort, 'Bob');
    const carol = await clients.named(n3.chatPort, 'Carol');
    await joinRoom(alex, 'Alex', room);
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    await joinRoom(carol, 'Carol', room);
    await allGet([alex, bob], L.hasJoined(room, 'Carol'));
    for (const c of [alex, bob, carol]) {
      c.send(`who ${room}`);
      await c.expect(L.who(room, ['Alex', 'Bob', 'Carol']));
    }

    const sent = Date.now();
    bob.send(`say ${room} HI!`);
    const arrivals = await Promise.all([alex, bob, carol].map((c) => c.expect(L.message(room, 'Bob', 'HI!')).then(() => Date.now() - sent)));
    timings.push(`say on node 2 reached nodes 1/2/3 after ${arrivals.join('/')} ms (target: within 1 s)`);
    await bob.expectNothing();
    // node 2's /metrics: Bob's TCP connection, and the say fanned out to nodes 1 and 3 (one message each, at least)
    const metrics = await (await fetch(`${n2.http}/metrics`)).text();
    expect(Number(/^ringnest_chat_connections\{transport="tcp"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^ringnest_chat_deliver_messages_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/^ringnest_chat_events_delivered_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    // a later message from another node comes next: no copy of HI! in between
    carol.send(`say ${room} after`);
    await allGet([alex, bob, carol], L.message(room, 'Carol', 'after'));

    carol.send(`leave ${room}`);
    await carol.expect(L.left(room));
    await allGet([alex, bob], L.hasLeft(room, 'Carol'));
    bob.destroy();
    await alex.expect(L.hasLeft(room, 'Bob'));
    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex']));
    await joinRoom(carol, 'Carol', room, [
      ['Bob', 'HI!'],
      ['Carol', 'after'],
    ]);
    await alex.expect(L.hasJoined(room, 'Carol'));
    alex.send('quit');
    expect(await alex.expectClosed()).toBe(L.bye);
    await carol.expect(L.hasLeft(room, 'Alex'));
    await carol.expectNothing();
    // the cluster's rooms, asked on a node none of the members uses (the first room of this cluster)
    const dave = await clients.named(n4.chatPort, 'Dave');
    dave.send('rooms');
    await dave.expect(L.rooms([room]));
  });

  it('a room whose ring home is a node no client uses works the same', async () => {
    const room = await roomHomedOn(n1, n4, 'Home4_');
    const alex = await clients.named(n1.chatPort, 'Alex');
    const bob = await clients.named(n2.chatPort, 'Bob');
    const carol = await clients.named(n3.chatPort, 'Carol');
    await joinRoom(alex, 'Alex', room);
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    await joinRoom(carol, 'Carol', room);
    await allGet([alex, bob], L.hasJoined(room, 'Carol'));
    const sent = Date.now();
    alex.send(`say ${room} via node 4`);
    const ms = await allGet([alex, bob, carol], L.message(room, 'Alex', 'via node 4'));
    timings.push(`say in a room homed on node 4, clients on nodes 1-3: all had it after ${Date.now() - sent} ms (${ms} ms wait)`);
    const dave = await clients.named(n2.chatPort, 'Dave');
    await joinRoom(dave, 'Dave', room, [['Alex', 'via node 4']]);
    await allGet([alex, bob, carol], L.hasJoined(room, 'Dave'));
    dave.send(`who ${room}`);
    await dave.expect(L.who(room, ['Alex', 'Bob', 'Carol', 'Dave']));

    // the room lives on the chat vnodes of the preference list of ("chat", room): all three hold it
    const entries = await preflist(n1, room);
    expect(entries.map((e) => e.type)).toEqual(['primary', 'primary', 'primary']);
    for (const e of entries) {
      const holder = [n1, n2, n3, n4].find((n) => n.spec.name === e.node) as NodeProcess;
      const vnodes = (await holder.get<{ vnodes: { service: string; index: number; size: number | null }[] }>('/api/cluster/vnodes')).body.vnodes;
      expect({ node: e.node, index: e.index, holds: (vnodes.find((v) => v.service === 'chat' && v.index === e.index)?.size ?? 0) >= 1 }).toEqual({
        node: e.node,
        index: e.index,
        holds: true,
      });
    }
  });

  it('a member who joined twice gets each message once; a non-member says to members only; room names are case-sensitive', async () => {
    const room = 'CaseRoom';
    const lower = 'caseroom';
    const alex = await clients.named(n1.chatPort, 'Alex');
    const bob = await clients.named(n2.chatPort, 'Bob');
    const carol = await clients.named(n3.chatPort, 'Carol');
    const dave = await clients.named(n4.chatPort, 'Dave');
    await joinRoom(alex, 'Alex', room);
    alex.send(`join ${room}`);
    await alex.expect(L.joined(room));
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    bob.send(`join ${room}`);
    await bob.expect(L.joined(room));
    await joinRoom(carol, 'Carol', lower);

    alex.send(`say ${room} once`);
    await allGet([alex, bob], L.message(room, 'Alex', 'once'));
    dave.send(`say ${room} from outside`);
    await allGet([alex, bob], L.message(room, 'Dave', 'from outside'));
    carol.send(`say ${lower} lower case`);
    await carol.expect(L.message(lower, 'Carol', 'lower case'));
    // the next thing each member gets is this: no second copy, no message of the other room
    bob.send(`say ${room} barrier`);
    await allGet([alex, bob], L.message(room, 'Bob', 'barrier'));
    for (const c of [alex, bob, carol, dave]) await c.expectNothing();

    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex', 'Bob']));
    carol.send(`who ${lower}`);
    await carol.expect(L.who(lower, ['Carol']));
    const erin = await clients.named(n3.chatPort, 'Erin');
    await joinRoom(erin, 'Erin', room, [
      ['Alex', 'once'],
      ['Dave', 'from outside'],
      ['Bob', 'barrier'],
    ]);
    await allGet([alex, bob], L.hasJoined(room, 'Erin'));
    await carol.expectNothing();
  });

  it('history keeps the order in which messages were said across nodes (the last 20, each once)', async () => {
    const room = await roomHomedOn(n1, n3, 'Order_');
    const alex = await clients.named(n1.chatPort, 'Alex');
    const bob = await clients.named(n2.chatPort, 'Bob');
    await joinRoom(alex, 'Alex', room);
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    // a burst from node 1, then, once everyone has it, one message from node 2
    const said: [string, string][] = [];
    for (let i = 1; i <= 300; i++) said.push(['Alex', `burst ${i}`]);
    alex.sendRaw(said.map(([, text]) => `say ${room} ${text}\n`).join(''));
    const burst = said.map(([from, text]) => L.message(room, from, text)).join('');
    await allGet([alex, bob], burst, 30000);
    bob.send(`say ${room} later`);
    said.push(['Bob', 'later']);
    await allGet([alex, bob], L.message(room, 'Bob', 'later'));
    const carol = await clients.named(n4.chatPort, 'Carol');
    await joinRoom(carol, 'Carol', room, said.slice(-20));
    await allGet([alex, bob], L.hasJoined(room, 'Carol'));
  });

  it('1,000 connect/join/disconnect cycles leave only the remaining members and bounded memory', async () => {
    const room = await roomHomedOn(n1, n2, 'Cycle_');
    const stayers = [await clients.named(n1.chatPort, 'Alex'), await clients.named(n1.chatPort, 'Bob')];
    await joinRoom(stayers[0], 'Alex', room);
    await joinRoom(stayers[1], 'Bob', room);
    await stayers[0].expect(L.hasJoined(room, 'Bob'));

    const notice = new RegExp(`^\\* (cyc\\d+) has (joined|left) ${room}$`);
    /** each stayer sees every cycler join and leave exactly once */
    const seen = stayers.map(() => new Map<string, string[]>());
    const watch = (upTo: number) =>
      Promise.all(
        stayers.map(async (c, s) => {
          let count = [...seen[s].values()].reduce((a, v) => a + v.length, 0);
          while (count < upTo * 2) {
            const line = await nextLine(c, 60000);
            const m = notice.exec(line);
            if (!m) throw new Error(`${c.label} got an unexpected line ${showBytes(line)}`);
            seen[s].set(m[1], [...(seen[s].get(m[1]) ?? []), m[2]]);
            count++;
          }
        }),
      );

    const cycle = async (i: number): Promise<void> => {
      const name = `cyc${i}`;
      const c = await ChatClient.connect(n1.chatPort, { label: name, timeoutMs: 30000 });
      try {
        c.send(`set-name ${name}`);
        c.send(`join ${room}`);
        await c.expect(L.nameSet(name) + L.joined(room), 30000);
        // other cyclers may come and go around our own notice
        while ((await nextLine(c, 30000)) !== `* ${name} has joined ${room}`);
        if (i % 2 === 0) {
          c.send('quit');
          const rest = await c.expectClosed(30000);
          expect(rest.endsWith(L.bye)).toBe(true);
        }
      } finally {
        c.destroy();
      }
    };
    const run = async (from: number, count: number) => {
      const watching = watch(from + count);
      await pool(Array.from({ length: count }, (_, i) => from + i), 6, cycle);
      await watching;
    };

    const started = Date.now();
    await run(0, 100);
    const baseline = rssBytes(n1.pid as number);
    const heapBefore = await heapUsedMb(n1);
    await run(100, 1000);
    const after = rssBytes(n1.pid as number);
    const heapAfter = await heapUsedMb(n1);
    // RSS moves with garbage collection: allow it a few seconds to come back within bounds (nothing forced)
    let settled = after;
    await until('the node\'s RSS to be within 50 MB of its baseline', () => (settled = rssBytes(n1.pid as number)) - baseline < 50 * MB, 10000).catch(() => undefined);
    timings.push(
      `1,100 connect/join/disconnect cycles on one node: ${Date.now() - started} ms; RSS ${(baseline / MB).toFixed(1)} MB after 100 (heap used ${heapBefore}), ` +
        `${(after / MB).toFixed(1)} MB after 1,100 (heap used ${heapAfter}), ${(settled / MB).toFixed(1)} MB up to 10 s later`,
    );

    for (const s of seen) {
      expect(s.size).toBe(1100);
      const wrong = [...s].filter(([, events]) => events.join() !== 'joined,left');
      expect(wrong).toEqual([]);
    }
    stayers[0].send(`who ${room}`);
    await stayers[0].expect(L.who(room, ['Alex', 'Bob']));
    await stayers[1].expectNothing();
    expect(settled - baseline).toBeLessThan(50 * MB);
  }, 180000);

  it('disconnects a client that never reads once its output bound is hit; the others are unaffected', async () => {
    // The server drops a connection with more than DEFAULT_MAX_OUTPUT_BYTES (1 MiB) unwritten; the
    // kernel's socket buffers absorb some megabytes before that (send buffer up to tcp_wmem max).
    const room = await roomHomedOn(n1, n3, 'Slow_');
    const slow = await clients.named(n1.chatPort, 'Slow');
    const talker = await clients.named(n1.chatPort, 'Talker');
    const listener = await clients.named(n1.chatPort, 'Listener');
    await joinRoom(slow, 'Slow', room);
    await joinRoom(talker, 'Talker', room);
    await slow.expect(L.hasJoined(room, 'Talker'));
    await joinRoom(listener, 'Listener', room);
    await allGet([slow, talker], L.hasJoined(room, 'Listener'));
    slow.pause();

    const big = (k: number) => `${String(k).padStart(6, '0')} ${'m'.repeat(8000)}`;
    const dropped = L.hasLeft(room, 'Slow');
    /** the message each reader had last before it was told Slow left, each told once */
    const droppedAfter = new Map<ChatClient, number>();
    const MAX_MESSAGES = 6000; // ~48 MB: far more than 1 MiB plus any kernel buffering
    let sent = 0;
    while (droppedAfter.size < 2 && sent < MAX_MESSAGES) {
      const batch = Array.from({ length: 25 }, () => sent++);
      for (const k of batch) talker.send(`say ${room} ${big(k)}`);
      for (const c of [talker, listener]) {
        for (const k of batch) {
          const message = L.message(room, 'Talker', big(k));
          if (droppedAfter.has(c)) {
            await c.expect(message, 30000);
          } else if ((await c.expectAny([message, dropped], 30000)) === dropped) {
            droppedAfter.set(c, k - 1);
            await c.expect(message, 30000);
          }
        }
      }
    }
    const at = droppedAfter.get(listener) ?? sent;
    timings.push(`slow reader dropped after about ${at} messages of 8 KB (${((at * 8020) / MB).toFixed(1)} MB)`);
    expect([...droppedAfter.keys()].map((c) => c.label).sort()).toEqual(['Listener', 'Talker']);
    expect(talker.closed || listener.closed).toBe(false);
    talker.send(`who ${room}`);
    await talker.expect(L.who(room, ['Listener', 'Talker']));
    talker.send(`say ${room} still here`);
    await allGet([talker, listener], L.message(room, 'Talker', 'still here'));
    await listener.expectNothing();

    slow.resume();
    await slow.expectClosed(60000);
    expect(slow.bytesReceived).toBeLessThan(sent * 8020);
  }, 180000);

  it('keeps a room working when its first primary is killed; drops its members; history intact after restart', async () => {
    const room = await roomHomedOn(n1, n4, 'Fail_');
    const alex = await clients.named(n1.chatPort, 'Alex');
    const bob = await clients.named(n2.chatPort, 'Bob');
    const carol = await clients.named(n3.chatPort, 'Carol');
    const dave = await clients.named(n4.chatPort, 'Dave');
    const survivors = [alex, bob, carol];
    await joinRoom(alex, 'Alex', room);
    await joinRoom(bob, 'Bob', room);
    await alex.expect(L.hasJoined(room, 'Bob'));
    await joinRoom(carol, 'Carol', room);
    await allGet([alex, bob], L.hasJoined(room, 'Carol'));
    await joinRoom(dave, 'Dave', room);
    await allGet(survivors, L.hasJoined(room, 'Dave'));
    const history: [string, string][] = [
      ['Bob', 'before 1'],
      ['Dave', 'before 2'],
    ];
    bob.send(`say ${room} before 1`);
    await allGet([...survivors, dave], L.message(room, 'Bob', 'before 1'));
    dave.send(`say ${room} before 2`);
    await allGet([...survivors, dave], L.message(room, 'Dave', 'before 2'));

    await n4.kill9();
    const killed = Date.now();
    await dave.expectClosed(10000);

    // what each survivor receives from now on: Dave's leave notice, the says, the barrier
    const allowed = new RegExp(`^(?:\\* Dave has left ${room}|${room} - Alex: after \\d+|${room} - Bob: barrier)$`);
    const got = survivors.map(() => [] as string[]);
    const pump = (s: number, until: (lines: string[]) => boolean, deadline: number) =>
      (async () => {
        while (!until(got[s])) {
          got[s].push(await nextLine(survivors[s], Math.max(1, deadline - Date.now())));
        }
      })();

    let attempts = 0;
    let deliveredAt: number | undefined;
    while (deliveredAt === undefined) {
      const remaining = killed + FAILOVER_MS - Date.now();
      if (remaining <= 0) throw new Error(`no say reached every survivor within ${FAILOVER_MS} ms of the kill; survivors got ${JSON.stringify(got)}`);
      attempts++;
      const text = `after ${attempts}`;
      alex.send(`say ${room} ${text}`);
      const window = Date.now() + Math.min(2000, remaining);
      const reached = await Promise.all(
        survivors.map((_, s) => pump(s, (lines) => lines.includes(`${room} - Alex: ${text}`), window).then(() => true, () => false)),
      );
      if (reached.every(Boolean)) deliveredAt = Date.now();
    }
    timings.push(`kill -9 of the room's first primary: a say reached all survivors ${deliveredAt - killed} ms after the kill (${attempts} attempt(s))`);

    const hasLeft = `* Dave has left ${room}`;
    await Promise.all(survivors.map((_, s) => pump(s, (lines) => lines.includes(hasLeft), Date.now() + 30000)));
    timings.push(`members of the killed node dropped from the room ${Date.now() - killed} ms after the kill`);
    bob.send(`say ${room} barrier`);
    await Promise.all(survivors.map((_, s) => pump(s, (lines) => lines.includes(`${room} - Bob: barrier`), Date.now() + STEP_MS)));

    expect(got.flat().filter((l) => !allowed.test(l))).toEqual([]);
    const messages = got.map((lines) => lines.filter((l) => l !== hasLeft));
    for (const [s, lines] of got.entries()) {
      expect({ who: survivors[s].label, lines: lines.filter((l) => l === hasLeft).length }).toEqual({ who: survivors[s].label, lines: 1 });
      expect(new Set(messages[s]).size).toBe(messages[s].length);
      expect([...messages[s]].sort()).toEqual([...messages[0]].sort());
    }
    for (const line of messages[0]) history.push([line.includes(' - Bob: ') ? 'Bob' : 'Alex', line.slice(line.indexOf(': ') + 2)]);
    alex.send(`who ${room}`);
    await alex.expect(L.who(room, ['Alex', 'Bob', 'Carol']));

    await n4.start();
    await waitSettled([n1, n2, n3, n4], 120000);
    const erin = await clients.named(n4.chatPort, 'Erin');
    await joinRoom(erin, 'Erin', room, history.slice(-20));
    await allGet(survivors, L.hasJoined(room, 'Erin'));
    erin.send(`who ${room}`);
    await erin.expect(L.who(room, ['Alex', 'Bob', 'Carol', 'Erin']));
    for (const c of survivors) await c.expectNothing();
  }, 240000);
});

afterAll(printTimings);
