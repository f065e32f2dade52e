/**
 * The api app as the node runtime sees it: its port defaults and the environment variables its
 * nodes read besides the core's, declared like the core's (one entry each) so they are validated
 * at start and listed in the README's configuration table.
 */
import { DEFAULT_DELETE_MODE, DeleteMode, MAX_DELETE_GRACE_MS, parseDeleteMode } from '@ringnest/coord-kv';
import { NodeApp, configVariables, integerBetween, oneOf, parsedBy } from '@ringnest/riak-core';

export const API_VARIABLES = configVariables({
  KV_VERSIONING: {
    kind: oneOf(['causal', 'lww']),
    default: 'causal',
    meaning:
      'how concurrent writes to a key are kept: `causal` keeps them as siblings (dotted version vectors); `lww` keeps only the one with the latest wall-clock time and silently drops the others (Riak\'s `last_write_wins`; the fault suite uses it to show the loss it causes)',
  },
  KV_MAX_SIBLINGS: {
    kind: integerBetween(1, 10_000),
    default: 100,
    meaning:
      "the most concurrent versions (siblings) a key may have with `causal` versioning (Riak's `max_siblings`): a write that would leave more is refused with 409 `too_many_siblings` and stores nothing; a write with the context of a read resolves what it read and is never refused",
  },
  KV_DELETE_MODE: {
    kind: parsedBy<DeleteMode>(`\`keep\`, \`immediate\` or a grace in ms 0..${MAX_DELETE_GRACE_MS}`, `must be 'keep', 'immediate' or milliseconds 0..${MAX_DELETE_GRACE_MS}`, parseDeleteMode),
    default: DEFAULT_DELETE_MODE,
    defaultDoc: '`3000`',
    meaning:
      "when a delete's tombstone is removed for good (Riak's `delete_mode`): a read that finds the same tombstone on all N primaries reaps it once the grace has passed since its last write and no node still holds data of the key's partitions it does not own; `keep` never reaps (deleted keys cost a small tombstone each), `immediate` reaps without a grace",
  },
});

export const API_APP = { app: 'api', httpPort: 4000, clusterPort: 9000, variables: API_VARIABLES } satisfies NodeApp;
