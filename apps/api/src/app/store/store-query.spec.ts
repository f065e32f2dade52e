import { BadRequestException } from '@nestjs/common';
import { parseStoreQuery } from './store-query';

const problem = (query: Record<string, unknown>): string => {
  try {
    parseStoreQuery(query);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return (e as BadRequestException).message;
  }
  throw new Error('accepted');
};

describe('parseStoreQuery', () => {
  it('reads every parameter as a decimal integer', () => {
    expect(parseStoreQuery({ n: '3', w: '2', r: '1', pr: '0', pw: '1', timeout: '250' })).toEqual({ n: 3, w: 2, r: 1, pr: 0, pw: 1, timeout: 250 });
    expect(parseStoreQuery({})).toEqual({});
    expect(parseStoreQuery(undefined)).toEqual({});
  });

  it('reads a query object without a prototype, as the HTTP layer builds it', () => {
    const q = Object.assign(Object.create(null) as Record<string, unknown>, { w: '3' });
    expect(parseStoreQuery(q)).toEqual({ w: 3 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a word', { w: 'x' }, 'w must be an integer'],
    ['an empty value', { w: '' }, 'w must be an integer'],
    ['a fraction', { r: '2.5' }, 'r must be an integer'],
    ['a sign', { n: '-1' }, 'n must be an integer'],
    ['hex', { pr: '0x1' }, 'pr must be an integer'],
    ['ten digits', { timeout: '1234567890' }, 'timeout must be an integer (ms)'],
    ['a repeated parameter', { pw: ['1', '2'] }, 'pw must be an integer'],
    ['an unknown parameter', { wait: '1' }, 'property wait should not exist'],
    ['a prototype key', JSON.parse('{"__proto__":"1"}') as Record<string, unknown>, 'property __proto__ should not exist'],
  ])('refuses %s', (_what, query, message) => {
    expect(problem(query)).toBe(message);
  });
});
