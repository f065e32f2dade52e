import { KV_LIST_LIMIT, isKvCommand, isKvWrite } from './kv-command';

const object = { value: 1, tombstone: false, context: null, updatedAt: 1 };

describe('isKvCommand', () => {
  it('accepts every documented command', () => {
    for (const c of [
      { op: 'put', key: 'k', object },
      { op: 'get', key: 'k' },
      { op: 'digest', key: 'k' },
      { op: 'delete', key: 'k' },
      { op: 'delete', key: 'k', context: { a: 1 }, updatedAt: 5 },
      { op: 'list' },
      { op: 'list', limit: KV_LIST_LIMIT },
    ]) {
      expect(isKvCommand(c)).toBe(true);
    }
  });

  it('refuses malformed commands', () => {
    for (const c of [
      null,
      'get',
      { op: 'put', key: 'k' },
      { op: 'put', key: 'k', object: { value: 1 } },
      { op: 'get' },
      { op: 'get', key: 7 },
      { op: 'digest' },
      { op: 'digest', key: '' },
      { op: 'delete', key: 'k', updatedAt: 'now' },
      { op: 'list', limit: 0 },
      { op: 'list', limit: KV_LIST_LIMIT + 1 },
      { op: 'list', limit: 1.5 },
      { op: 'scan' },
    ]) {
      expect(isKvCommand(c)).toBe(false);
    }
  });

  it('tells writes from reads', () => {
    expect(isKvWrite({ op: 'put', key: 'k', object })).toBe(true);
    expect(isKvWrite({ op: 'delete', key: 'k' })).toBe(true);
    expect(isKvWrite({ op: 'get', key: 'k' })).toBe(false);
    expect(isKvWrite({ op: 'digest', key: 'k' })).toBe(false);
    expect(isKvWrite({ op: 'list' })).toBe(false);
  });
});
