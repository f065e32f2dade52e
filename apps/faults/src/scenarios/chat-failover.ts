/** A chat room's first primary killed under 50 line-protocol clients. */
import { ChatLineClient } from '../workload/chat-line-client';
import { Scenario } from './scenario';

export const chatFailover: Scenario = {
  name: 'chat-failover',
  summary:
    "50 chat clients on 4 chat nodes say a line a second in one room; the room's first primary is killed with kill -9 after 5 s and restarted 8 s later: every line a surviving client saw acknowledged (echoed to its sender) reaches every surviving client once, and presence converges",
  nodes: 4,
  app: 'chat',
  nets: ['netns', 'loopback'],
  convergeMs: 60_000,
  async run({ cluster, note, sleep, afterSettle }) {
    const found: string[] = [];
    // a room whose first primary is a node other than the one the preference list is asked on
    let room = '';
    let home = -1;
    for (let i = 0; i < 200 && home < 0; i++) {
      const pl = await cluster.admin<{ entries: { node: string; type: string }[] }>(0, 'GET', `/api/cluster/preflist?bucket=chat&key=Failover${i}&n=3`);
      const first = pl.entries[0];
      const at = cluster.nodes.findIndex((n) => n.name === first?.node);
      if (first?.type === 'primary' && at > 0) [room, home] = [`Failover${i}`, at];
    }
    if (home < 0) throw new Error('no room homed on a node other than the first');
    const clients: ChatLineClient[] = [];
    for (let i = 0; i < 50; i++) {
      const node = cluster.nodes[i % cluster.nodes.length];
      clients.push(await ChatLineClient.open(node.address, node.chatPort, `c${i}`, node.index));
    }
    // one after the other: a member sees the joins that come after its own
    for (const c of clients) {
      c.send(`join ${room}`);
      await c.waitFor((l) => l === `* ${c.name} has joined ${room}`, 30_000);
    }
    const last = clients[clients.length - 1];
    await Promise.all(clients.map((c) => c.waitFor((l) => l === `* ${last.name} has joined ${room}`, 30_000)));
    note(`50 clients in ${room} (first primary ${cluster.nodes[home].name}); each says a line a second`);
    const start = clients.map((c) => c.lines.length);
    let saying = true;
    const sayers = clients.map(async (c, i) => {
      await sleep(i * 20);
      for (let seq = 0; saying && !c.closed; seq++) {
        c.send(`say ${room} ${c.name}-${seq}`);
        await sleep(1000);
      }
    });
    await sleep(5000);
    note(`kill -9 ${cluster.nodes[home].name}`);
    await cluster.kill(home);
    await sleep(8000);
    note(`restart ${cluster.nodes[home].name}`);
    await cluster.restart(home);
    await sleep(3000);
    saying = false;
    await Promise.all(sayers);
    await sleep(5000); // the last lines arrive

    const survivors = clients.filter((c) => c.node !== home && !c.closed);
    const message = new RegExp(`^${room} - (c\\d+): (c\\d+-\\d+)$`);
    const received = new Map<ChatLineClient, string[]>();
    for (const c of survivors) {
      const lines: string[] = [];
      for (const l of c.lines.slice(start[clients.indexOf(c)])) {
        const m = message.exec(l);
        if (m) lines.push(`${m[1]}: ${m[2]}`);
      }
      received.set(c, lines);
    }
    // acknowledged: a survivor's line that came back to it
    const acked = new Set<string>();
    for (const c of survivors) for (const l of received.get(c) ?? []) if (l.startsWith(`${c.name}: `)) acked.add(l);
    let missing = 0;
    let duplicates = 0;
    for (const c of survivors) {
      const got = received.get(c) ?? [];
      const set = new Set(got);
      duplicates += got.length - set.size;
      for (const a of acked) if (!set.has(a)) missing++;
      if (missing > 0 && found.length < 5) found.push(`${c.name} on ${cluster.nodes[c.node].name} never got ${[...acked].filter((a) => !set.has(a)).slice(0, 3).join(', ')}`);
    }
    note(`${acked.size} lines acknowledged to ${survivors.length} surviving clients; ${missing} deliveries missing, ${duplicates} duplicates`);
    if (duplicates > 0) found.push(`${duplicates} lines delivered twice`);
    if (survivors.length < 30) found.push(`only ${survivors.length} clients survived (those on other nodes must not be dropped)`);

    // presence: every surviving node's members see exactly the survivors
    const expected = `${room}: ${survivors.map((c) => c.name).sort().join(', ')}`;
    const askers = [...new Set(survivors.map((c) => c.node))].map((n) => survivors.find((c) => c.node === n) as ChatLineClient);
    try {
      await cluster.until('presence to converge', 30_000, async () => {
        const answers = await Promise.all(
          askers.map(async (c) => {
            const from = c.lines.length;
            c.send(`who ${room}`);
            return c.waitFor((l) => l.startsWith(`${room}: `), 5000, from);
          }),
        );
        return answers.every((a) => a === expected);
      });
    } catch (err) {
      found.push(`presence did not converge: ${(err as Error).message}`);
    }
    for (const c of clients) c.close();
    afterSettle(async () => found);
  },
};
