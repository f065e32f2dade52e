/** Faults of node processes: kill -9 and restart, pause, a wiped disk, rolling restarts, joins and leaves under load. */
import { rmSync } from 'node:fs';
import { Scenario, holdFor, pick } from './scenario';

export const none: Scenario = {
  name: 'none',
  summary: 'no fault: 6 s of clients on a healthy cluster (the baseline, and the last-writer-wins self-test)',
  nodes: 3,
  nets: ['netns', 'loopback'],
  convergeMs: 30_000,
  async run({ note, sleep }) {
    note('no fault');
    await sleep(6000);
  },
};

export const killRestart: Scenario = {
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
};

export const pause: Scenario = {
  name: 'pause',
  summary: 'SIGSTOP one node for 10 s, then SIGCONT',
  nodes: 3,
  nets: ['netns', 'loopback'],
  convergeMs: 60_000,
  async run(ctx) {
    const { cluster, rnd, note } = ctx;
    const victim = pick(rnd, cluster.nodes.length);
    note(`SIGSTOP ${cluster.nodes[victim].name}`);
    cluster.pause(victim, true);
    await holdFor(ctx, 10_000, () => cluster.pause(victim, false), `SIGCONT ${cluster.nodes[victim].name}`);
  },
};

export const wipe: Scenario = {
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
};

export const rollingRestart: Scenario = {
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
};

export const joinLeave: Scenario = {
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
};

export const handoffKill: Scenario = {
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
};

export const memberRestart: Scenario = {
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
};
