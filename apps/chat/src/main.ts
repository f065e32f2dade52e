/**
 * A chat node ("Zap chat"): a member of the chat cluster with the admin API and the TCP line
 * protocol on CHAT_PORT; rooms on the ring come with the chat issue.
 */
import 'reflect-metadata';
import { WsAdapter } from '@nestjs/platform-ws';
import { ConfigError, runFromEnv } from '@ringnest/riak-core';
import { ChatModule } from './app/chat.module';
import { chatPortFromEnv, DEFAULT_MAX_OUTPUT_BYTES } from './line-server';

let chatPort: number;
try {
  chatPort = chatPortFromEnv(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`ringnest: invalid configuration: ${err.message}\n`);
  process.exit(2);
}

runFromEnv({ app: 'chat', httpPort: 4100, clusterPort: 9100 }, (config, runtime) => ({
  module: ChatModule.register(config, runtime, { chatPort, maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES }),
  configure: (app) => {
    app.useWebSocketAdapter(new WsAdapter(app));
  },
}));
