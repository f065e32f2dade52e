/** Faults of the network between nodes: one-way loss, slow and lossy links, clock skew, and partitions. */
import { Scenario, everyLink, holdFor, partition, pick } from './scenario';

export const oneWay: Scenario = {
  name: 'one-way',
  summary: 'for 12 s everything one node sends to another vanishes (A↛B), while B→A still delivers: B\'s requests reach A, A\'s answers are lost',
  nodes: 3,
  nets: ['netns', 'loopback'],
  convergeMs: 60_000,
  async run(ctx) {
    const { cluster, rnd, note } = ctx;
    const a = pick(rnd, 3);
    const b = pick(rnd, 3, [a]);
    note(`${cluster.nodes[a].name} ↛ ${cluster.nodes[b].name} for 12 s`);
    await cluster.setFaults(a, { links: [{ to: cluster.nodes[b].name, block: true }] });
    await holdFor(ctx, 12_000);
  },
};

export const slowLink: Scenario = {
  name: 'slow-link',
  summary: 'for 15 s every link of the cluster is slow and lossy: 50 ms ± 20 ms, 5 % of messages lost, 1 % of requests delivered twice',
  nodes: 3,
  nets: ['netns', 'loopback'],
  convergeMs: 60_000,
  async run(ctx) {
    ctx.note('every link: delay 50 ± 20 ms, drop 5 %, duplicate 1 %');
    await everyLink(ctx, { delayMs: 50, jitterMs: 20, drop: 0.05, duplicate: 0.01 }, 15_000, Math.floor(ctx.rnd() * 1e6));
  },
};

export const clockSkew: Scenario = {
  name: 'clock-skew',
  summary: "the nodes' wall clocks disagree by up to two minutes (-60 s, 0, +60 s) for 15 s while the clients write",
  nodes: 3,
  nets: ['netns', 'loopback'],
  convergeMs: 60_000,
  async run(ctx) {
    const { cluster, rnd, note } = ctx;
    const offsets = [-60_000, 0, 60_000];
    for (let k = offsets.length - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [offsets[k], offsets[j]] = [offsets[j], offsets[k]];
    }
    note(`clock offsets ${cluster.nodes.map((n, i) => `${n.name} ${offsets[i] / 1000} s`).join(', ')}`);
    for (const n of cluster.nodes) await cluster.setFaults(n.index, { clockOffsetMs: offsets[n.index] });
    await holdFor(ctx, 15_000, undefined, 'clocks back');
  },
};

export const isolate: Scenario = {
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
};

export const bridge: Scenario = {
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
};

export const split: Scenario = {
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
};
