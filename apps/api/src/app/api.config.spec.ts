import { readConfig } from '@ringnest/riak-core';
import { API_VARIABLES } from './api.config';

describe("the api app's variables", () => {
  it('keep concurrent writes as siblings unless told otherwise, and refuse an unknown versioning by name', () => {
    expect(readConfig(API_VARIABLES, {})).toEqual({ KV_VERSIONING: 'causal' });
    expect(readConfig(API_VARIABLES, { KV_VERSIONING: 'lww' })).toEqual({ KV_VERSIONING: 'lww' });
    expect(() => readConfig(API_VARIABLES, { KV_VERSIONING: 'last-write-wins' })).toThrow(/^KV_VERSIONING: must be .*, got 'last-write-wins'$/);
  });
});
