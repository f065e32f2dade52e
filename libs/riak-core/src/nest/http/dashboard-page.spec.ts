import { createHash } from 'node:crypto';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const between = (open: string, close: string) => {
  const start = DASHBOARD_HTML.indexOf(open) + open.length;
  return DASHBOARD_HTML.slice(start, DASHBOARD_HTML.indexOf(close, start));
};

describe('the dashboard page', () => {
  it('is one document whose only script and style are inline and allowed by hash', () => {
    expect(DASHBOARD_HTML).toMatch(/^<!doctype html>/);
    expect(DASHBOARD_HTML.match(/<script/g)).toHaveLength(1);
    expect(DASHBOARD_HTML.match(/<style/g)).toHaveLength(1);
    expect(DASHBOARD_CSP).toContain(`script-src ${sha256(between('<script>', '</script>'))}`);
    expect(DASHBOARD_CSP).toContain(`style-src ${sha256(between('<style>', '</style>'))}`);
    expect(DASHBOARD_CSP).toMatch(/^default-src 'none'; /);
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('loads nothing from elsewhere and never parses data as HTML', () => {
    expect(DASHBOARD_HTML).not.toMatch(/\b(src|href)\s*=/);
    expect(DASHBOARD_HTML).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(DASHBOARD_HTML).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('speaks to /ws/cluster and has the hooks the browser test uses', () => {
    expect(DASHBOARD_HTML).toContain("'/ws/cluster'");
    for (const id of ['ring', 'partitions', 'next', 'members', 'transfers', 'status', 'node', 'error']) expect(DASHBOARD_HTML).toContain(`id="${id}"`);
  });
});
