import fc from 'fast-check';
import { partitionIndices, ringSize } from './chash';
import { plan } from './claimant';
import { MemberStatus, NodeName, Ring, isNodeName, Transfer, freshRing, markSeen, ownershipOf, setMember, setOwnership } from './ring';
import { banner, formatMemberStatus, formatMemberTable, formatPlan, formatRingReady, formatRingStatus, memberRows } from './status-text';
import { n, p } from '../testing/names';

const D1 = n('dev1@127.0.0.1');
const D2 = n('dev2@127.0.0.1');
const D3 = n('dev3@127.0.0.1');
const RULE = '-'.repeat(79);
const BANNER = '================================= Membership ==================================';

/**
 * dev1's ring with the given members and owners, every listed member having seen it.
 * `owners` lists [node, count] runs in partition order.
 */
function ringOf(members: [NodeName, MemberStatus][], owners: [NodeName, number][], next: Transfer[] = [], q = 64): Ring {
  let r = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(q), node: D1, addr: 'a' });
  for (const [n, status] of members) if (n !== D1 || status !== 'valid') r = setMember(r, D1, n, { status, addr: 'a', autoJoin: false });
  const list = owners.flatMap(([n, c]) => new Array<NodeName>(c).fill(n));
  expect(list).toHaveLength(q);
  r = setOwnership(r, D1, { ...ownershipOf(r), epoch: 2, owners: list, next });
  for (const [n] of members) r = markSeen(r, n);
  return r;
}

describe('member-status', () => {
  it('2 nodes at 50/50: the docs/reference/cli.md block byte for byte', () => {
    const r = ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
      ],
      [
        [D1, 32],
        [D2, 32],
      ],
    );
    const expected =
      '================================= Membership ==================================\n' +
      'Status     Ring    Pending    Node\n' +
      '-------------------------------------------------------------------------------\n' +
      "valid      50.0%      --      'dev1@127.0.0.1'\n" +
      "valid      50.0%      --      'dev2@127.0.0.1'\n" +
      '-------------------------------------------------------------------------------\n' +
      'Valid:2 / Leaving:0 / Exiting:0 / Joining:0 / Down:0';
    expect(formatMemberStatus(r)).toBe(expected);
  });

  it('3 nodes settle at 34.4/32.8/32.8 with dev1 first', () => {
    const r = ringOf(
      [
        [D3, 'valid'],
        [D2, 'valid'],
        [D1, 'valid'],
      ],
      [
        [D1, 22],
        [D2, 21],
        [D3, 21],
      ],
    );
    expect(formatMemberStatus(r).split('\n')).toEqual([
      BANNER,
      'Status     Ring    Pending    Node',
      RULE,
      "valid      34.4%      --      'dev1@127.0.0.1'",
      "valid      32.8%      --      'dev2@127.0.0.1'",
      "valid      32.8%      --      'dev3@127.0.0.1'",
      RULE,
      'Valid:3 / Leaving:0 / Exiting:0 / Joining:0 / Down:0',
    ]);
  });

  it('a joining node owns nothing and has nothing pending', () => {
    const r = ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
        [D3, 'joining'],
      ],
      [
        [D1, 32],
        [D2, 32],
      ],
    );
    const lines = formatMemberStatus(r).split('\n');
    expect(lines[3]).toBe("joining     0.0%      --      'dev3@127.0.0.1'");
    expect(lines[4]).toBe("valid      50.0%      --      'dev1@127.0.0.1'");
    expect(lines[7]).toBe('Valid:2 / Leaving:0 / Exiting:0 / Joining:1 / Down:0');
  });

  it('pending shares while transfers are pending', () => {
    const next: Transfer[] = [];
    for (const i of partitionIndices(64).slice(32)) next.push({ index: i, from: D1, to: D2, status: i < 40 ? 'complete' : 'awaiting' });
    const r = ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
      ],
      [[D1, 64]],
      next,
    );
    expect(formatMemberStatus(r).split('\n').slice(3, 5)).toEqual([
      "valid     100.0%     50.0%    'dev1@127.0.0.1'",
      "valid       0.0%     50.0%    'dev2@127.0.0.1'",
    ]);
    expect(memberRows(r)).toEqual([
      { node: D1, status: 'valid', ring: 100, pending: 50 },
      { node: D2, status: 'valid', ring: 0, pending: 50 },
    ]);
  });

  it('the pending column is four spaces, the share, four spaces', () => {
    const line = formatMemberTable([{ node: n('n'), status: 'leaving', ring: 34.375, pending: 0 }]).split('\n')[3];
    expect(line).toBe("leaving    34.4%      0.0%    'n'");
    expect(line.slice(16, 30)).toBe('      0.0%    ');
    const none = formatMemberTable([{ node: n('n'), status: 'valid', ring: 0, pending: null }]).split('\n')[3];
    expect(none.slice(16, 30)).toBe('      --      ');
  });

  it('rows are sorted by status, then node; removed members are not shown; the summary counts statuses', () => {
    const r = ringOf(
      [
        [D1, 'valid'],
        [n('b@h'), 'valid'],
        [n('a@h'), 'leaving'],
        [n('c@h'), 'down'],
        [n('d@h'), 'joining'],
        [n('e@h'), 'exiting'],
        [n('f@h'), 'removed'],
        [n('0@h'), 'joining'],
      ],
      [
        [D1, 32],
        [n('b@h'), 16],
        [n('a@h'), 8],
        [n('c@h'), 8],
      ],
    );
    const rows = memberRows(r);
    expect(rows.map((x) => [x.status, x.node])).toEqual([
      ['down', 'c@h'],
      ['exiting', 'e@h'],
      ['joining', '0@h'],
      ['joining', 'd@h'],
      ['leaving', 'a@h'],
      ['valid', 'b@h'],
      ['valid', D1],
    ]);
    const text = formatMemberStatus(r);
    expect(text).not.toContain('f@h');
    expect(text.split('\n').at(-1)).toBe('Valid:2 / Leaving:1 / Exiting:1 / Joining:2 / Down:1');
    expect(text.split('\n')[3]).toBe("down       12.5%      --      'c@h'");
  });

  it('property: every line is at most 79 chars, banners and rules exactly 79, one row per member', () => {
    const arbRow = fc.record({
      node: fc.string({ minLength: 1, maxLength: 40 }).filter((s): s is NodeName => !s.includes('\n') && isNodeName(s)),
      status: fc.constantFrom<MemberStatus>('joining', 'valid', 'leaving', 'exiting', 'down'),
      ring: fc.integer({ min: 0, max: 1024 }).map((n) => (n * 100) / 1024),
      pending: fc.option(fc.integer({ min: 0, max: 1024 }).map((n) => (n * 100) / 1024)),
    });
    fc.assert(
      fc.property(fc.array(arbRow, { maxLength: 12 }), (rows) => {
        const lines = formatMemberTable(rows).split('\n');
        expect(lines).toHaveLength(rows.length + 5);
        expect(lines[0]).toBe(BANNER);
        expect(lines[2]).toBe(RULE);
        expect(lines[rows.length + 3]).toBe(RULE);
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(79);
        rows.forEach((row, i) => {
          const l = lines[3 + i];
          expect(l.startsWith(row.status.padEnd(8) + '  ')).toBe(true);
          expect(l.slice(10, 16)).toBe(`${row.ring.toFixed(1).padStart(5)}%`);
          expect(l.endsWith(`'${row.node}'`)).toBe(true);
          expect(l.length).toBe(32 + row.node.length);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('banners are exactly 79 columns with the title centred', () => {
    for (const t of ['Membership', 'Claimant', 'Ownership Handoff', 'Unreachable Nodes', 'Staged Changes', 'x', '']) {
      const b = banner(t);
      expect(b).toHaveLength(79);
      expect(b).toContain(` ${t} `);
      const left = b.indexOf(` ${t} `);
      const right = 79 - left - t.length - 2;
      expect(right - left === 0 || right - left === 1).toBe(true);
    }
    expect(banner('After cluster transition 1/1', '#')).toBe(`${'#'.repeat(24)} After cluster transition 1/1 ${'#'.repeat(25)}`);
  });
});

describe('ringready', () => {
  const two = (): Ring =>
    ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
      ],
      [
        [D1, 32],
        [D2, 32],
      ],
    );

  it('TRUE when every member has seen the ring', () => {
    expect(formatRingReady(two(), [])).toEqual({
      ready: true,
      text: "TRUE All nodes agree on the ring ['dev1@127.0.0.1','dev2@127.0.0.1']",
    });
  });

  it('FALSE listing members that have not seen it', () => {
    const r = setOwnership(two(), D1, { ...ownershipOf(two()), epoch: 3 });
    expect(formatRingReady(markSeen(r, D1), [])).toEqual({
      ready: false,
      text: "FALSE Nodes ['dev2@127.0.0.1'] do not agree on the ring",
    });
  });

  it('FALSE when a member is unreachable', () => {
    expect(formatRingReady(two(), [D2, n('stranger@h')])).toEqual({
      ready: false,
      text: "FALSE ['dev2@127.0.0.1'] down.  All nodes need to be up to check.",
    });
  });
});

describe('ring-status', () => {
  it('lists claimant, readiness, handoffs per pair and unreachable nodes', () => {
    const next: Transfer[] = [
      { index: p(40), from: D1, to: D2, status: 'awaiting' },
      { index: p(41), from: D1, to: D2, status: 'complete' },
      { index: p(42), from: D1, to: D2, status: 'awaiting' },
    ];
    const r = ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
      ],
      [[D1, 64]],
      next,
    );
    const text = formatRingStatus(r, [D2]);
    expect(text.split('\n')).toEqual([
      banner('Claimant'),
      `Claimant:  '${D1}'`,
      'Status:     up',
      'Ring Ready: true',
      '',
      banner('Ownership Handoff'),
      `Owner:      ${D1}`,
      `Next Owner: ${D2}`,
      '  Waiting:  2 partitions',
      '  Complete: 1 partitions',
      RULE,
      '',
      banner('Unreachable Nodes'),
      `The following nodes are unreachable: ['${D2}']`,
    ]);
    const quiet = formatRingStatus(ringOf([[D1, 'valid']], [[D1, 64]]), []);
    expect(quiet).toContain('No pending changes.');
    expect(quiet.split('\n').at(-1)).toBe('All nodes are up and reachable');
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(79);
  });

  it('formatPlan with nothing staged', () => {
    expect(formatPlan(undefined)).toBe('There are no staged changes');
    expect(formatPlan(plan(ringOf([[D1, 'valid']], [[D1, 64]]), D1))).toBe('There are no staged changes');
  });

  it('formatPlan of a staged join: changes, the table after the transition, the transfers', () => {
    const r = ringOf(
      [
        [D1, 'valid'],
        [D2, 'valid'],
        [D3, 'joining'],
      ],
      [
        [D1, 32],
        [D2, 32],
      ],
    );
    const p = plan(r, D1);
    if (!p) throw new Error('no plan');
    const lines = formatPlan(p).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      banner('Staged Changes'),
      'Action         Details(s)',
      RULE,
      `join           '${D3}'`,
      RULE,
      '',
      '',
      `${'#'.repeat(24)} After cluster transition 1/1 ${'#'.repeat(25)}`,
    ]);
    const table = formatMemberStatus(p.ring).split('\n');
    expect(lines.slice(8, 10 + table.length)).toEqual(['', ...table, '']);
    expect(table[3]).toBe(`valid      50.0%     34.4%    '${D1}'`);
    expect(table[5]).toBe(`valid       0.0%     32.8%    '${D3}'`);
    const rest = lines.slice(10 + table.length);
    expect(rest[0]).toBe(`Transfers resulting from cluster changes: ${p.transfers.length}`);
    let sum = 0;
    for (const l of rest.slice(1)) {
      const m = /^ {2}(\d+) transfers from '([^']+)' to '([^']+)'$/.exec(l);
      expect(m).not.toBeNull();
      const [, k, from, to] = m as RegExpExecArray;
      expect(p.transfers.filter((t) => t.from === from && t.to === to)).toHaveLength(Number(k));
      sum += Number(k);
    }
    expect(sum).toBe(p.transfers.length);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(79);
  });
});
