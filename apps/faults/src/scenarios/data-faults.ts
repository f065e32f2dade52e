/** Faults that target the data itself: deletes racing hinted handoff, and siblings under concurrent writers. */
import { EMPTY_CONTEXT, KvTarget } from '../workload/set-client';
import { Scenario, pick, target } from './scenario';

export const deleteHeal: Scenario = {
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
};

export const siblings: Scenario = {
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
    const stopAt = Date.now() + 8000;
    const writer = async (t: KvTarget, name: string) => {
      for (let i = 0; Date.now() < stopAt; i++) {
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
};
