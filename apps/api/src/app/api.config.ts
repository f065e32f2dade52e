/**
 * The api app as the node runtime sees it: its port defaults. Its nodes read the core's variables
 * only; a variable of its own would be declared here (`variables: configVariables({...})`), as the
 * chat app declares CHAT_PORT.
 */
import { NodeApp } from '@ringnest/riak-core';

export const API_APP = { app: 'api', httpPort: 4000, clusterPort: 9000 } satisfies NodeApp;
