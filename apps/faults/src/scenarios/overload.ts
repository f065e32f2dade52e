/** Twice the load the cluster sustains: the excess refused fast, the rest answered in bounded time. */
import { Prober, RssSampler, blast, percentile } from '../workload/overload';
import { Scenario } from './scenario';

export const overload: Scenario = {
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
    const rss = new RssSampler(() => cluster.nodes.flatMap((n) => (n.process.running && n.process.pid ? [n.process.pid] : [])));
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
};
