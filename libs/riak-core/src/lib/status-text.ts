/**
 * The operator's view of the ring, rendered exactly as riak-admin prints it (docs/reference/cli.md): the
 * membership table, ring status, ringready and the plan of staged changes. 79 columns wide.
 */
import { Plan } from './claimant';
import { MemberStatus, NodeName, Ring, allMembers, futureOwners, ownershipOf, ownedCounts, ringReady } from './ring';

const WIDTH = 79;

/** `====== Title ======` centred in 79 columns, as riak_core_console prints headers. */
export function banner(title: string, fill = '='): string {
  const inner = ` ${title} `;
  const left = Math.floor((WIDTH - inner.length) / 2);
  return fill.repeat(left) + inner + fill.repeat(WIDTH - inner.length - left);
}

const RULE = '-'.repeat(WIDTH);

export interface MemberRow {
  readonly node: NodeName;
  readonly status: MemberStatus;
  /** percent of the ring owned now */
  readonly ring: number;
  /** percent owned once pending transfers complete; null when that is what it owns now */
  readonly pending: number | null;
}

/** Rows of the membership table: every member but removed ones, sorted by status then name. */
export function memberRows(ring: Ring): MemberRow[] {
  const o = ownershipOf(ring);
  const now = ownedCounts(o.owners);
  const later = ownedCounts(futureOwners(o));
  const q = ring.ringSize;
  return allMembers(ring)
    .filter(([, m]) => m.status !== 'removed')
    .map(([node, m]) => {
      const a = ((now.get(node) ?? 0) * 100) / q;
      const b = ((later.get(node) ?? 0) * 100) / q;
      return { node, status: m.status, ring: a, pending: a === b ? null : b };
    })
    .sort((x, y) => (x.status < y.status ? -1 : x.status > y.status ? 1 : x.node < y.node ? -1 : x.node > y.node ? 1 : 0));
}

function pct(n: number): string {
  return `${n.toFixed(1).padStart(5)}%`;
}

export function formatMemberTable(rows: readonly MemberRow[]): string {
  const lines = [banner('Membership'), 'Status     Ring    Pending    Node', RULE];
  for (const r of rows) {
    const pending = r.pending === null ? '      --      ' : `    ${pct(r.pending)}    `;
    lines.push(`${r.status.padEnd(8)}  ${pct(r.ring)}${pending}'${r.node}'`);
  }
  const count = (s: MemberStatus) => rows.filter((r) => r.status === s).length;
  lines.push(RULE);
  lines.push(
    `Valid:${count('valid')} / Leaving:${count('leaving')} / Exiting:${count('exiting')} / Joining:${count('joining')} / Down:${count('down')}`,
  );
  return lines.join('\n');
}

export function formatMemberStatus(ring: Ring): string {
  return formatMemberTable(memberRows(ring));
}

export function formatRingReady(ring: Ring, unreachable: readonly NodeName[]): { ready: boolean; text: string } {
  const list = (ns: readonly string[]) => `[${ns.map((n) => `'${n}'`).join(',')}]`;
  const members = allMembers(ring)
    .filter(([, m]) => m.status !== 'removed')
    .map(([n]) => n);
  const down = members.filter((n) => unreachable.includes(n));
  if (down.length > 0) return { ready: false, text: `FALSE ${list(down)} down.  All nodes need to be up to check.` };
  const { ready, notSeen } = ringReady(ring);
  if (!ready) return { ready: false, text: `FALSE Nodes ${list(notSeen)} do not agree on the ring` };
  return { ready: true, text: `TRUE All nodes agree on the ring ${list(members)}` };
}

export function formatRingStatus(ring: Ring, unreachable: readonly NodeName[]): string {
  const o = ownershipOf(ring);
  const lines = [banner('Claimant'), `Claimant:  '${o.claimant}'`, `Status:     ${unreachable.includes(o.claimant) ? 'down' : 'up'}`];
  lines.push(`Ring Ready: ${ringReady(ring).ready}`, '', banner('Ownership Handoff'));
  if (o.next.length === 0) {
    lines.push('No pending changes.');
  } else {
    const pairs = new Map<string, { from: string; to: string; waiting: number; complete: number }>();
    for (const t of o.next) {
      const key = `${t.from}\u0000${t.to}`;
      const p = pairs.get(key) ?? { from: t.from, to: t.to, waiting: 0, complete: 0 };
      if (t.status === 'complete') p.complete++;
      else p.waiting++;
      pairs.set(key, p);
    }
    for (const p of [...pairs.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1))) {
      lines.push(`Owner:      ${p.from}`, `Next Owner: ${p.to}`, `  Waiting:  ${p.waiting} partitions`, `  Complete: ${p.complete} partitions`, RULE);
    }
  }
  lines.push('', banner('Unreachable Nodes'));
  if (unreachable.length === 0) lines.push('All nodes are up and reachable');
  else lines.push(`The following nodes are unreachable: [${unreachable.map((n) => `'${n}'`).join(',')}]`);
  return lines.join('\n');
}

export function formatPlan(p: Plan | undefined): string {
  if (!p) return 'There are no staged changes';
  const lines = [banner('Staged Changes'), 'Action         Details(s)', RULE];
  for (const c of p.changes) {
    const detail = c.kind === 'replace' ? `'${c.node}' with '${c.replacement}'` : `'${c.node}'`;
    lines.push(`${c.kind.padEnd(15)}${detail}`);
  }
  lines.push(RULE, '', '', banner('After cluster transition 1/1', '#'), '', formatMemberStatus(p.ring), '');
  const moves = new Map<string, number>();
  for (const t of p.transfers) moves.set(`${t.from}\u0000${t.to}`, (moves.get(`${t.from}\u0000${t.to}`) ?? 0) + 1);
  if (p.transfers.length === 0) {
    lines.push('No transfers result from these changes.');
  } else {
    lines.push(`Transfers resulting from cluster changes: ${p.transfers.length}`);
    for (const [key, n] of [...moves.entries()].sort()) {
      const [from, to] = key.split('\u0000');
      lines.push(`  ${n} transfers from '${from}' to '${to}'`);
    }
  }
  return lines.join('\n');
}
