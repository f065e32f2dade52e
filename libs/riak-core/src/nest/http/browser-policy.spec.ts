import { browserPolicyOf, contentTypeAccepted, contentTypeRefusal, hostAccepted, originAccepted, upgradeRefusal } from './browser-policy';
import { n } from '../../testing/names';

const loopback = browserPolicyOf({ bind: '127.0.0.1', httpPort: 4000, node: n('dev1@127.0.0.1') });

describe('hostAccepted', () => {
  it.each(['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST:4000', '[::1]:4000', undefined])('accepts %s on a loopback node', (host) => {
    expect(hostAccepted(loopback, host)).toBe(true);
  });

  it.each(['evil.example', 'evil.example:4000', '127.0.0.1:4001', 'localhost', '127.0.0.1', 'localhost.evil.example:4000', ''])('refuses %j on a loopback node', (host) => {
    expect(hostAccepted(loopback, host)).toBe(false);
  });

  it('accepts the BIND address and the host of the node name', () => {
    const p = browserPolicyOf({ bind: '127.0.0.2', httpPort: 4100, node: n('chat1@node1.local') });
    for (const host of ['127.0.0.2:4100', 'node1.local:4100', 'NODE1.local:4100']) expect(hostAccepted(p, host)).toBe(true);
    expect(hostAccepted(p, 'node1.local:4000')).toBe(false);
    const v6 = browserPolicyOf({ bind: '::1', httpPort: 4000, node: n('a@::1') });
    expect(hostAccepted(v6, '[::1]:4000')).toBe(true);
  });

  it('reads port 80 into a Host without a port', () => {
    const p = browserPolicyOf({ bind: '127.0.0.1', httpPort: 80, node: n('a@127.0.0.1') });
    expect(hostAccepted(p, 'localhost')).toBe(true);
    expect(hostAccepted(p, 'localhost:80')).toBe(true);
  });

  it('accepts ALLOWED_HOSTS: a name on any port, a name:port on that port only', () => {
    const p = browserPolicyOf({ bind: '127.0.0.1', httpPort: 4000, node: n('dev1@127.0.0.1'), allowedHosts: ['proxy.internal', 'kv.example:8443'] });
    for (const host of ['proxy.internal', 'proxy.internal:443', 'Proxy.Internal:4000', 'kv.example:8443']) expect(hostAccepted(p, host)).toBe(true);
    for (const host of ['kv.example', 'kv.example:443', 'other.internal:4000']) expect(hostAccepted(p, host)).toBe(false);
  });

  it('accepts every host when the node is not bound to loopback', () => {
    const p = browserPolicyOf({ bind: '0.0.0.0', httpPort: 4000, node: n('dev1@10.0.0.1') });
    expect(hostAccepted(p, 'evil.example:4000')).toBe(true);
  });
});

describe('originAccepted', () => {
  it('accepts no Origin (not a browser) and the origin of the host the request names', () => {
    expect(originAccepted(loopback, undefined, '127.0.0.1:4000')).toBe(true);
    expect(originAccepted(loopback, 'http://127.0.0.1:4000', '127.0.0.1:4000')).toBe(true);
    expect(originAccepted(loopback, 'http://LocalHost:4000', 'localhost:4000')).toBe(true);
    expect(originAccepted(loopback, 'https://kv.example', 'kv.example')).toBe(true);
    expect(originAccepted(loopback, 'http://kv.example', 'kv.example:80')).toBe(true);
  });

  it.each([
    ['another site', 'http://evil.example', '127.0.0.1:4000'],
    ['another port', 'http://127.0.0.1:4001', '127.0.0.1:4000'],
    ['another loopback name', 'http://localhost:4000', '127.0.0.1:4000'],
    ['a sandboxed page', 'null', '127.0.0.1:4000'],
    ['a file page', 'file://', '127.0.0.1:4000'],
    ['an origin with a path', 'http://127.0.0.1:4000/x', '127.0.0.1:4000'],
    ['no Host to compare with', 'http://127.0.0.1:4000', undefined],
  ])('refuses %s', (_what, origin, host) => {
    expect(originAccepted(loopback, origin, host)).toBe(false);
  });

  it('accepts the ALLOWED_ORIGINS, whatever the Host', () => {
    const p = browserPolicyOf({ bind: '127.0.0.1', httpPort: 4000, node: n('dev1@127.0.0.1'), allowedOrigins: ['https://ops.example'] });
    expect(originAccepted(p, 'https://ops.example', '127.0.0.1:4000')).toBe(true);
    expect(originAccepted(p, 'https://OPS.example:443', '127.0.0.1:4000')).toBe(true);
    expect(originAccepted(p, 'http://ops.example', '127.0.0.1:4000')).toBe(false);
  });
});

describe('upgradeRefusal', () => {
  it('is 421 for a foreign Host before looking at the Origin, then 403 for a foreign Origin', () => {
    expect(upgradeRefusal(loopback, 'evil.example:4000', 'http://evil.example:4000')).toMatchObject({ status: 421, code: 'misdirected_request' });
    expect(upgradeRefusal(loopback, '127.0.0.1:4000', 'http://evil.example')).toMatchObject({ status: 403, code: 'forbidden_origin' });
    expect(upgradeRefusal(loopback, '127.0.0.1:4000', 'http://127.0.0.1:4000')).toBeUndefined();
    expect(upgradeRefusal(loopback, '127.0.0.1:4000', undefined)).toBeUndefined();
  });

  it('quotes at most 100 characters of what it refuses', () => {
    expect(upgradeRefusal(loopback, '127.0.0.1:4000', `http://${'e'.repeat(5000)}.example`)?.message.length).toBeLessThan(200);
  });
});

describe('contentTypeAccepted', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'get', 'delete'])('needs nothing for %s', (method) => {
    expect(contentTypeAccepted(method, undefined)).toBe(true);
    expect(contentTypeAccepted(method, 'text/plain')).toBe(true);
  });

  it.each(['POST', 'PUT', 'PATCH', 'post'])('needs application/json for %s', (method) => {
    expect(contentTypeAccepted(method, 'application/json')).toBe(true);
    expect(contentTypeAccepted(method, 'Application/JSON; charset=utf-8')).toBe(true);
    for (const type of [undefined, '', 'text/plain', 'text/plain; charset=application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      expect([type, contentTypeAccepted(method, type)]).toEqual([type, false]);
    }
  });

  it('is a 415 refusal that names the method', () => {
    expect(contentTypeRefusal('POST', 'text/plain')).toEqual({ status: 415, code: 'unsupported_media_type', message: 'POST needs Content-Type: application/json' });
    expect(contentTypeRefusal('POST', 'application/json')).toBeUndefined();
  });
});
