/**
 * The fuzzer must never really change the cluster under test: these properties check, over many
 * generated inputs, that nothing it sends could pass the validation of a membership change.
 */
import fc from 'fast-check';
import { CHANGING_ROUTES, adminArbitrary, couldChangeCluster as adminCouldChange } from './http-cluster';
import { clusterSessionArbitrary, couldChangeCluster as sessionCouldChange } from './cluster-session';

describe('admin inputs', () => {
  it('never POST commit, clear or leave, and give the changing routes only bodies their DTOs refuse', () => {
    fc.assert(
      fc.property(adminArbitrary, (i) => {
        expect(i.path).not.toMatch(/^\/api\/cluster\/(commit|clear|leave)(\?|$|\/)/i);
        const route = /^\/api\/cluster\/([a-z/-]+)$/.exec(i.path)?.[1];
        if (route && CHANGING_ROUTES.includes(route)) {
          expect(i.contentType).toBe('application/json');
          let parsed: unknown;
          try {
            parsed = JSON.parse(i.body ?? '');
          } catch {
            return; // refused by the JSON parser
          }
          expect(parsed).toHaveProperty('fuzzForbidden');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('recognises requests that could change the cluster', () => {
    const post = (path: string, body: string) => ({ node: 'api' as const, method: 'POST', path, contentType: 'application/json', body });
    expect(adminCouldChange(post('/api/cluster/join', '{"target":"127.0.0.1:9000"}'))).toBe(true);
    expect(adminCouldChange(post('/api/cluster/staged/leave', '{}'))).toBe(true);
    expect(adminCouldChange(post('/api/cluster/c%6Fmmit', ''))).toBe(true);
    expect(adminCouldChange({ ...post('/api/cluster/staged/leave', '{"fuzzForbidden":1}'), contentType: 'text/plain' })).toBe(true);
    expect(adminCouldChange(post('/api/cluster/staged/leave', '{"fuzzForbidden":1}'))).toBe(false);
    expect(adminCouldChange(post('/api/cluster/join', '{"target":'))).toBe(false);
    expect(adminCouldChange(post('/api/cluster/repair', '{}'))).toBe(false);
  });
});

describe('cluster session inputs', () => {
  it('never send commit or clear, nor a staged change, a leave or a ring that could pass validation', () => {
    fc.assert(
      fc.property(clusterSessionArbitrary, (i) => {
        if (i.kind !== 'request') return;
        expect(['claimant.commit', 'claimant.clear']).not.toContain(i.pattern);
        const d = (i.data && typeof i.data === 'object' ? i.data : {}) as Record<string, unknown>;
        if (i.pattern === 'claimant.stage') expect(typeof d['change'] === 'object' && d['change'] !== null).toBe(false);
        if (i.pattern === 'claimant.leave') expect(typeof d['node']).not.toBe('string');
        if (i.pattern === 'ring.gossip') expect(typeof d['ring'] === 'object' && d['ring'] !== null).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(sessionCouldChange('claimant.stage', { change: { kind: 'join', node: 'a@b' } })).toBe(true);
    expect(sessionCouldChange('claimant.stage', { change: 'join' })).toBe(false);
  });
});
