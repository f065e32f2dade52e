import { toJsonText } from '@ringnest/coord-kv';
import { fetchedJson } from './store-bodies';

const read = (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown;

describe('the body of a read, written from the values’ text', () => {
  it('says not_found', () => {
    expect(read(fetchedJson('k', { kind: 'not-found' }))).toEqual({ data: 'not_found' });
  });

  it('lists each replica’s value, then the value and the context', () => {
    const v = toJsonText({ name: 'é', n: [1, 2] });
    const body = fetchedJson('the "key"', { kind: 'found', replicas: [{ one: v }, { one: v }], value: v, context: 'ctx' });
    expect(read(body)).toEqual({ data: [{ 'the "key"': { name: 'é', n: [1, 2] } }, { 'the "key"': { name: 'é', n: [1, 2] } }], value: { name: 'é', n: [1, 2] }, context: 'ctx' });
  });

  it('lists a replica’s siblings as an array and the distinct siblings instead of a value', () => {
    const [a, b] = [toJsonText('a'), toJsonText(2)];
    const body = fetchedJson('k', { kind: 'found', replicas: [{ many: [a, b] }, { one: a }], siblings: [a, b], context: 'c' });
    expect(read(body)).toEqual({ data: [{ k: ['a', 2] }, { k: 'a' }], siblings: ['a', 2], context: 'c' });
  });
});
