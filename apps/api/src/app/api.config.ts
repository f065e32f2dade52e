/**
 * The api app as the node runtime sees it: its port defaults and the environment variables its
 * nodes read besides the core's, declared like the core's (one entry each) so they are validated
 * at start and listed in the README's configuration table.
 */
import { NodeApp, configVariables, oneOf } from '@ringnest/riak-core';

export const API_VARIABLES = configVariables({
  KV_VERSIONING: {
    kind: oneOf(['causal', 'lww']),
    default: 'causal',
    meaning:
      'how concurrent writes to a key are kept: `causal` keeps them as siblings (dotted version vectors); `lww` keeps only the one with the latest wall-clock time and silently drops the others (Riak\'s `last_write_wins`; the fault suite uses it to show the loss it causes)',
  },
});

export const API_APP = { app: 'api', httpPort: 4000, clusterPort: 9000, variables: API_VARIABLES } satisfies NodeApp;
