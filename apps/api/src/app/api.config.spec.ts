import { readConfig } from '@ringnest/riak-core';
import { API_VARIABLES } from './api.config';

describe("the api app's variables", () => {
  it('keep concurrent writes as siblings unless told otherwise, and refuse an unknown versioning by name', () => {
    expect(readConfig(API_VARIABLES, {})).toMatchObject({ KV_VERSIONING: 'causal' });
    expect(readConfig(API_VARIABLES, { KV_VERSIONING: 'lww' })).toMatchObject({ KV_VERSIONING: 'lww' });
    expect(() => readConfig(API_VARIABLES, { KV_VERSIONING: 'last-write-wins' })).toThrow(/^KV_VERSIONING: must be .*, got 'last-write-wins'$/);
  });

  it('reap tombstones 3 s after a delete unless told to keep them, and refuse anything else by name', () => {
    expect(readConfig(API_VARIABLES, {}).KV_DELETE_MODE).toEqual({ keep: false, graceMs: 3000 });
    expect(readConfig(API_VARIABLES, { KV_DELETE_MODE: 'keep' }).KV_DELETE_MODE).toEqual({ keep: true });
    expect(readConfig(API_VARIABLES, { KV_DELETE_MODE: '0' }).KV_DELETE_MODE).toEqual({ keep: false, graceMs: 0 });
    expect(() => readConfig(API_VARIABLES, { KV_DELETE_MODE: '3s' })).toThrow(/^KV_DELETE_MODE: must be 'keep', 'immediate' or milliseconds 0\.\.86400000, got '3s'$/);
  });
});
