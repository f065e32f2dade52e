import { formatClusterAddr, parseClusterAddr } from './cluster-address';

describe('cluster addresses', () => {
  it('parses host:port, including bracketed IPv6', () => {
    expect(parseClusterAddr('127.0.0.1:4370')).toEqual({ host: '127.0.0.1', port: 4370 });
    expect(parseClusterAddr('node-a.local:1')).toEqual({ host: 'node-a.local', port: 1 });
    expect(parseClusterAddr('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it('refuses anything else', () => {
    for (const a of ['', '4370', ':4370', 'h:', 'h:0', 'h:65536', 'h:12a', '::1:4370', 'h h:1', 'h:-1']) {
      expect([a, parseClusterAddr(a)]).toEqual([a, null]);
    }
  });

  it('formats what it parses', () => {
    expect(formatClusterAddr('::1', 5)).toBe('[::1]:5');
    expect(formatClusterAddr('10.0.0.1', 5)).toBe('10.0.0.1:5');
  });
});
