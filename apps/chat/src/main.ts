/**
 * A chat node ("Zap chat"): for now a member of the chat cluster with the admin API; the line
 * protocol and rooms on the ring come with the chat issue.
 */
import 'reflect-metadata';
import { runFromEnv } from '@ringnest/riak-core';
import { ChatModule } from './app/chat.module';

runFromEnv({ app: 'chat', httpPort: 4100, clusterPort: 9100 }, (config, runtime) => ({ module: ChatModule.register(config, runtime) }));
