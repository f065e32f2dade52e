/**
 * The fault scenarios: what is done to the cluster while the clients run. Each is bounded in time
 * and heals what it broke before it returns; every random choice comes from the run's seeded
 * `rnd`, so a seed gives the same fault schedule.
 */
import { rmSync } from 'node:fs';
import { FaultCluster, LinkRule, NetKind } from './cluster/fault-cluster';
import { EMPTY_CONTEXT, KvTarget, Quorum, SetClient } from './workload/set-client';
import { Prober, RssSampler, blast, percentile } from './workload/overload';
import { ChatLineClient } from './workload/chat-line-client';

export interface ScenarioContext {
  readonly cluster: FaultCluster;
  readonly rnd: () => number;
  /** a line for the run's log, with the time on the history's clock */
  note(line: string): void;
  /**
   * Nodes that, from now until the fault heals, cannot reach enough primaries of any key: in the
   * strict configuration no write through them may be acknowledged.
   */
  cutOff(nodes: readonly number[]): void;
  sleep(ms: number): Promise<void>;
  /** the clients' HTTP operations and quorum, for a scenario's own keys */
  readonly client: SetClient;
  readonly quorum: Quorum;
  /**
   * A check of the scenario's own, run once the cluster has settled after the fault: what it
   * returns are violations (each fails the run), e.g. a deleted key that came back.
   */
  afterSettle(check: () => Promise<string[]>): void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly nodes: number;
  /** how many of them form the cluster at start (default all): the others join during the scenario */
  readonly members?: number;
  /** the app its nodes run (default api, with the KV set workload; chat nodes get no KV clients) */
  readonly app?: 'api' | 'chat';
  /** the networks it can run on */
  readonly nets: readonly NetKind[];
  /** bound on convergence after the fault is healed, ms */
  readonly convergeMs: number;
  run(ctx: ScenarioContext): Promise<void>;
}

const pick = (rnd: () => number, n: number, avoid: readonly number[] = []): number => {
  const choices = Array.from({ length: n }, (_, i) => i).filter((i) => !avoid.includes(i));
  return choices[Math.floor(rnd() * choices.length)];
};

const target = (cluster: FaultCluster, i: number): KvTarget => ({ base: cluster.url(i, ''), name: cluster.nodes[i].name });

/**
 * Cut `a` from `b` (both directions) for `ms`, then heal: with network namespaces, blackhole
 * routes (TCP fails both ways, as a cut cable would); on loopback, the nodes' link-fault layer
 * blocking every message between the two sides (connections stay open, nothing gets through).
 */
async function partition(ctx: ScenarioContext, a: readonly number[], b: readonly number[], ms: number): Promise<void> {
  const { cluster, note, sleep } = ctx;
  const net = cluster.net;
  const names = (xs: readonly number[]) => xs.map((i) => cluster.nodes[i].name).join(',');
  note(`cut ${names(a)} from ${names(b)} for ${ms / 1000} s (${net ? 'routes' : 'link-fault layer'})`);
  if (net) {
    for (const i of a) for (const j of b) {
      net.block(i, j);
      net.block(j, i);
    }
  } else {
    const across = (i: number, others: readonly number[]): LinkRule[] => others.map((j) => ({ to: cluster.nodes[j].name, block: true }));
    for (const i of a) await cluster.setFaults(i, { links: across(i, b) });
    for (const j of b) await cluster.setFaults(j, { links: across(j, a) });
  }
  try {
    await sleep(ms);
  } finally {
    note('heal');
    if (net) net.heal();
    else await cluster.clearFaults();
  }
}

/** Every node's rules on what it sends to every other node, `rule` for each link, for `ms`; then cleared. */
async function everyLink(ctx: ScenarioContext, rule: Omit<LinkRule, 'to'>, ms: number, seed: number): Promise<void> {
  const { cluster, note, sleep } = ctx;
  for (const n of cluster.nodes) {
    const links = cluster.nodes.filter((m) => m.index !== n.index).map((m) => ({ ...rule, to: m.name }));
    await cluster.setFaults(n.index, { seed: seed + n.index, links });
  }
  try {
    await sleep(ms);
  } finally {
    note('heal');
    await cluster.clearFaults();
  }
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'none',
    summary: 'no fault: 6 s of clients on a healthy cluster (the baseline, and the last-writer-wins self-test)',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 30_000,
    async run({ note, sleep }) {
      note('no fault');
      await sleep(6000);
    },
  },
  {
    name: 'kill-restart',
    summary: 'kill -9 one node, restart it 8 s later with its data',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, rnd, note, sleep }) {
      const victim = pick(rnd, cluster.nodes.length);
      note(`kill -9 ${cluster.nodes[victim].name}`);
      await cluster.kill(victim);
      await sleep(8000);
      note(`restart ${cluster.nodes[victim].name}`);
      await cluster.restart(victim);
    },
  },
  {
    name: 'pause',
    summary: 'SIGSTOP one node for 10 s, then SIGCONT',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, rnd, note, sleep }) {
      const victim = pick(rnd, cluster.nodes.length);
      note(`SIGSTOP ${cluster.nodes[victim].name}`);
      cluster.pause(victim, true);
      try {
        await sleep(10_000);
      } finally {
        note(`SIGCONT ${cluster.nodes[victim].name}`);
        cluster.pause(victim, false);
      }
    },
  },
  {
    name: 'wipe',
    summary: "kill -9 one node, delete its DATA_DIR, restart it with the same name and address, rejoin it and repair its partitions (riak's kv679 case)",
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 90_000,
    async run({ cluster, rnd, note, sleep }) {
      const victim = pick(rnd, cluster.nodes.length);
      const node = cluster.nodes[victim];
      note(`kill -9 ${node.name} and delete its data`);
      await cluster.kill(victim);
      rmSync(node.dataDir, { recursive: true, force: true });
      await sleep(3000);
      note(`restart ${node.name} empty, join it again`);
      await cluster.restart(victim);
      const seed = cluster.nodes.find((n) => n.index !== victim) as (typeof cluster.nodes)[number];
      await cluster.admin(victim, 'POST', '/api/cluster/join', { target: `${seed.address}:${seed.clusterPort}` });
      await cluster.waitSettled(60_000);
      const ring = await cluster.admin<{ owners: { partition: string; node: string }[] }>(victim, 'GET', '/api/cluster/ring');
      const owned = ring.owners.filter((o) => o.node === node.name);
      note(`repair the ${owned.length} partitions ${node.name} owns from its neighbours`);
      for (const o of owned) await cluster.admin(victim, 'POST', '/api/cluster/repair', { partition: o.partition });
      note('repaired');
    },
  },
  {
    name: 'delete-heal',
    summary:
      'kill -9 one node, write 20 keys while it is down (fallbacks hold its replicas), restart it, delete the keys at once and read them at R = N (a read may reap); once settled none may be back',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, rnd, note, sleep, client, quorum, afterSettle }) {
      const victim = pick(rnd, cluster.nodes.length);
      const via = target(cluster, pick(rnd, cluster.nodes.length, [victim]));
      const keys = Array.from({ length: 20 }, (_, i) => `gone${i}`);
      note(`kill -9 ${cluster.nodes[victim].name}; write ${keys.length} keys through ${via.name}`);
      await cluster.kill(victim);
      await sleep(4000);
      for (const key of keys) await client.add(via, key, 'x');
      note(`restart ${cluster.nodes[victim].name}; delete the keys, then read each at R = ${quorum.n} three times`);
      await cluster.restart(victim);
      const deleted: string[] = [];
      for (const key of keys) {
        const d = await client.delete(via, key);
        if (d.outcome.type === 'ok' && (d.saw ?? []).length > 0) deleted.push(key);
      }
      for (let round = 0; round < 3; round++) for (const key of keys) await client.read(via, key, { ...quorum, r: quorum.n });
      note(`${deleted.length} deletes acknowledged`);
      afterSettle(async () => {
        const back: string[] = [];
        for (const key of deleted) {
          const r = await client.read(via, key, { ...quorum, r: quorum.n });
          if (r.type !== 'ok') back.push(`${key}: the final read failed (${r.error})`);
          else if (r.value.found && r.value.elements.length > 0) back.push(`${key}: deleted (acknowledged) but reads ${JSON.stringify(r.value.elements)}`);
        }
        return back;
      });
    },
  },
  {
    name: 'siblings',
    summary:
      'two clients read-resolve-write one key through two nodes for 8 s (no read may show more siblings than writers); then 110 writes that saw nothing on one key (the cap answers 409 too_many_siblings beyond 100, and a write with the context resolves them)',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 30_000,
    async run({ cluster, note, client, quorum, afterSettle }) {
      const found: string[] = [];
      const [x, y] = [target(cluster, 0), target(cluster, 1)];
      note(`two writers on 'duel' through ${x.name} and ${y.name}`);
      let most = 0;
      const until = Date.now() + 8000;
      const writer = async (t: KvTarget, name: string) => {
        for (let i = 0; Date.now() < until; i++) {
          await client.add(t, 'duel', `${name}${i}`);
          const r = await client.read(t, 'duel');
          if (r.type === 'ok') most = Math.max(most, r.value.siblings);
        }
      };
      await Promise.all([writer(x, 'x'), writer(y, 'y')]);
      note(`most siblings seen on 'duel': ${most}`);
      if (most > 2) found.push(`'duel' showed ${most} siblings with 2 writers`);

      note(`110 writes with the empty context ("saw nothing") on 'crowd' through ${x.name}`);
      const statuses = new Map<number, number>();
      let refusal = '';
      for (let i = 0; i < 110; i++) {
        const res = await fetch(`${x.base}/api/store/crowd?w=${quorum.w}&timeout=${quorum.timeoutMs}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-ringnest-context': EMPTY_CONTEXT },
          body: JSON.stringify([`c${i}`]),
        });
        const body = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 409) refusal = body;
      }
      note(`answers: ${[...statuses].map(([st, n]) => `${n}× ${st}`).join(', ')}`);
      if (!refusal.includes('"too_many_siblings"')) found.push(`no 409 too_many_siblings among 110 concurrent writes (${JSON.stringify([...statuses])})`);
      const crowd = await client.read(x, 'crowd', { ...quorum, r: quorum.n });
      if (crowd.type !== 'ok' || crowd.value.siblings > 100) found.push(`'crowd' holds ${crowd.type === 'ok' ? crowd.value.siblings : '?'} siblings (cap 100)`);
      const resolved = await client.add(x, 'crowd', 'resolved');
      if (resolved.outcome.type !== 'ok') found.push(`resolving 'crowd' with the read's context failed: ${resolved.outcome.error}`);
      afterSettle(async () => found);
    },
  },
  {
    name: 'rolling-restart',
    summary: 'restart every node in turn (SIGTERM, start again with its data, wait until the ring has settled) while the clients write',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, note, sleep }) {
      for (const n of cluster.nodes) {
        note(`SIGTERM ${n.name}`);
        await cluster.terminate(n.index);
        await sleep(2000);
        note(`start ${n.name} again`);
        await cluster.restart(n.index);
        await cluster.waitSettled(60_000);
      }
    },
  },
  {
    name: 'join-leave',
    summary: 'a fourth node joins under load (ownership handoff to it), then another node leaves (handoff away, then its process exits)',
    nodes: 4,
    members: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 90_000,
    async run({ cluster, rnd, note }) {
      note(`${cluster.nodes[3].name} joins`);
      await cluster.join(3);
      await cluster.waitSettled(120_000);
      const leaving = 1 + Math.floor(rnd() * 3);
      note(`joined and settled; ${cluster.nodes[leaving].name} leaves`);
      await cluster.leave(leaving, 120_000);
      note(`${cluster.nodes[leaving].name} handed off and exited`);
    },
  },
  {
    name: 'handoff-kill',
    summary: 'a fourth node joins; as soon as transfers to it are under way it is killed with kill -9, and restarted 3 s later with what it had received',
    nodes: 4,
    members: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 120_000,
    async run({ cluster, note, sleep }) {
      const joiner = cluster.nodes[3];
      note(`${joiner.name} joins`);
      await cluster.join(3);
      await cluster.until(`transfers to ${joiner.name}`, 30_000, async () => {
        const t = await cluster.admin<{ transfers: { to: string }[] }>(0, 'GET', '/api/cluster/transfers');
        return t.transfers.some((x) => x.to === joiner.name);
      });
      note(`transfers to ${joiner.name} under way: kill -9`);
      await cluster.kill(3);
      await sleep(3000);
      note(`restart ${joiner.name}`);
      await cluster.restart(3);
    },
  },
  {
    name: 'member-restart',
    summary: 'kill -9 one node of 5, restart it 8 s later; once settled every node must show the same members and the same owners',
    nodes: 5,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, rnd, note, sleep, afterSettle }) {
      const victim = 1 + Math.floor(rnd() * 4);
      note(`kill -9 ${cluster.nodes[victim].name}`);
      await cluster.kill(victim);
      await sleep(8000);
      note(`restart ${cluster.nodes[victim].name}`);
      await cluster.restart(victim);
      afterSettle(async () => {
        const views = await Promise.all(
          cluster.nodes.map(async (n) => {
            const ring = await cluster.admin<{ owners: { partition: string; node: string }[] }>(n.index, 'GET', '/api/cluster/ring');
            return { node: n.name, owners: ring.owners.map((o) => o.node).join() };
          }),
        );
        return views.filter((v) => v.owners !== views[0].owners).map((v) => `${v.node} sees other owners than ${views[0].node}`);
      });
    },
  },
  {
    name: 'overload',
    summary:
      'measure the PUT rate the cluster sustains, then drive twice that for 20 s: the excess must be refused fast (503 overload), what is accepted answered in bounded time, memory bounded, and normal service back within 5 s',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, note, sleep, afterSettle }) {
      const bases = [...cluster.members].map((i) => cluster.url(i, ''));
      note('full speed for 8 s (64 connections per node) to measure the sustainable rate, the first 2 s as warm-up');
      await blast(bases, { seconds: 2, connectionsPerNode: 64 });
      const measured = await blast(bases, { seconds: 6, connectionsPerNode: 64 });
      const rate = Math.max(50, Math.round(measured.okPerSecond));
      note(`sustained ${rate} PUT/s (${JSON.stringify(measured.statuses)}); now ${2 * rate}/s for 20 s over 400 connections per node`);
      const rss = new RssSampler(() => cluster.nodes.flatMap((n) => (n.child?.pid ? [n.child.pid] : [])));
      const prober = new Prober(bases);
      rss.start();
      prober.start();
      const from = prober.now();
      const over = await blast(bases, { seconds: 20, connectionsPerNode: 400, ratePerNode: Math.ceil((2 * rate) / bases.length) });
      const stopped = prober.now();
      await sleep(6000);
      await prober.stop();
      rss.stop();
      const during = prober.probes.filter((p) => p.at >= from && p.at < stopped);
      const acceptedP99 = percentile(during.filter((p) => p.status === 200).map((p) => p.ms), 99);
      const refused = during.filter((p) => p.status === 503);
      const refusedP99 = percentile(refused.map((p) => p.ms), 99);
      // back to normal: from the last probe after the blast that failed or took over 250 ms
      const after = prober.probes.filter((p) => p.at >= stopped);
      const lastBad = after.filter((p) => p.status !== 200 || p.ms > 250).pop();
      const recoveryMs = lastBad ? lastBad.at + lastBad.ms - stopped : 0;
      const rssMax = Math.max(0, ...rss.max.values());
      const f = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)} ms`);
      note(
        `2× load: ${JSON.stringify(over.statuses)}, ${over.errors} errors; probes ${during.length}: accepted p99 ${f(acceptedP99)}, ${refused.length} refused (p99 ${f(refusedP99)}); ` +
          `largest node RSS ${(rssMax / 2 ** 20).toFixed(0)} MiB; back to normal ${f(recoveryMs)} after the blast`,
      );
      const bad = after.filter((p) => p.status !== 200 || p.ms > 250);
      if (bad.length > 0) note(`slow or failed probes after the blast: ${bad.slice(0, 12).map((p) => `+${Math.round(p.at - stopped)} ms: ${p.status} in ${Math.round(p.ms)} ms`).join('; ')}`);
      const found: string[] = [];
      if (!over.statuses['503']) found.push('twice the sustainable rate was never refused (no 503): the blast did not overload the nodes');
      if (acceptedP99 === undefined) found.push('no probe was accepted during the blast');
      else if (acceptedP99 > 2000) found.push(`accepted requests' p99 ${Math.round(acceptedP99)} ms over 2000 ms`);
      if (refusedP99 !== undefined && refusedP99 > 250) found.push(`refusals took up to ${Math.round(refusedP99)} ms (p99), over 250 ms`);
      if (rssMax > 1024 * 2 ** 20) found.push(`a node's RSS reached ${(rssMax / 2 ** 20).toFixed(0)} MiB, over 1 GiB`);
      if (recoveryMs > 5000) found.push(`normal service came back ${Math.round(recoveryMs)} ms after the blast, over 5 s`);
      afterSettle(async () => found);
    },
  },
  {
    name: 'one-way',
    summary: 'for 12 s everything one node sends to another vanishes (A↛B), while B→A still delivers: B\'s requests reach A, A\'s answers are lost',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run(ctx) {
      const { cluster, rnd, note, sleep } = ctx;
      const a = pick(rnd, 3);
      const b = pick(rnd, 3, [a]);
      note(`${cluster.nodes[a].name} ↛ ${cluster.nodes[b].name} for 12 s`);
      await cluster.setFaults(a, { links: [{ to: cluster.nodes[b].name, block: true }] });
      try {
        await sleep(12_000);
      } finally {
        note('heal');
        await cluster.clearFaults();
      }
    },
  },
  {
    name: 'slow-link',
    summary: 'for 15 s every link of the cluster is slow and lossy: 50 ms ± 20 ms, 5 % of messages lost, 1 % of requests delivered twice',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run(ctx) {
      ctx.note('every link: delay 50 ± 20 ms, drop 5 %, duplicate 1 %');
      await everyLink(ctx, { delayMs: 50, jitterMs: 20, drop: 0.05, duplicate: 0.01 }, 15_000, Math.floor(ctx.rnd() * 1e6));
    },
  },
  {
    name: 'clock-skew',
    summary: "the nodes' wall clocks disagree by up to two minutes (-60 s, 0, +60 s) for 15 s while the clients write",
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run({ cluster, rnd, note, sleep }) {
      const offsets = [-60_000, 0, 60_000];
      for (let k = offsets.length - 1; k > 0; k--) {
        const j = Math.floor(rnd() * (k + 1));
        [offsets[k], offsets[j]] = [offsets[j], offsets[k]];
      }
      note(`clock offsets ${cluster.nodes.map((n, i) => `${n.name} ${offsets[i] / 1000} s`).join(', ')}`);
      for (const n of cluster.nodes) await cluster.setFaults(n.index, { clockOffsetMs: offsets[n.index] });
      try {
        await sleep(15_000);
      } finally {
        note('clocks back');
        await cluster.clearFaults();
      }
    },
  },
  {
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
  },
  {
    name: 'isolate',
    summary: 'cut one node of 3 from the others for 12 s (clients on both sides keep writing)',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run(ctx) {
      const victim = pick(ctx.rnd, ctx.cluster.nodes.length);
      // one node of 3 holds one primary of each key (N = 3): with pw = 2 it can acknowledge nothing
      ctx.cutOff([victim]);
      await partition(ctx, [victim], ctx.cluster.nodes.map((n) => n.index).filter((i) => i !== victim), 12_000);
    },
  },
  {
    name: 'bridge',
    summary: 'A-B-C with A and C unable to reach each other for 12 s; B reaches both',
    nodes: 3,
    nets: ['netns', 'loopback'],
    convergeMs: 60_000,
    async run(ctx) {
      const bridge = pick(ctx.rnd, 3);
      const [a, c] = [0, 1, 2].filter((i) => i !== bridge);
      ctx.note(`${ctx.cluster.nodes[bridge].name} reaches both sides`);
      await partition(ctx, [a], [c], 12_000);
    },
  },
  {
    name: 'split',
    summary: '5 nodes split 2|3 for 15 s, both sides writing the same keys',
    nodes: 5,
    nets: ['netns', 'loopback'],
    convergeMs: 90_000,
    async run(ctx) {
      const first = pick(ctx.rnd, 5);
      const minority = [first, pick(ctx.rnd, 5, [first])];
      await partition(ctx, minority, [0, 1, 2, 3, 4].filter((i) => !minority.includes(i)), 15_000);
    },
  },
];

export function scenarioNamed(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario '${name}'; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
