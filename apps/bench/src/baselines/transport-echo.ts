/**
 * The server of `npm run bench -- transport`: answers every request with the same reply, a value
 * the size of a stored KV object, so the bench measures the cluster transport alone (no vnode, no
 * storage). MODE=ringnest serves it as a `@MessagePattern` handler of a Nest microservice on the
 * Ringnest cluster transport (handshake, session MAC, msgpack envelopes); MODE=bare as length-prefixed
 * msgpack frames on a bare `node:net` server, the least a framed request/reply link costs.
 * Prints `listening <port>` once it accepts connections.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { createServer } from 'node:net';
import { ClusterServer } from '@ringnest/riak-core';
import { ECHO_PATTERN, frameReader, framed } from './echo-frames';
import { turnWriter } from './length-frames';

const REPLY = { found: true, object: { value: { pad: 'x'.repeat(1014) }, tombstone: false, context: { n1: 1, n2: 3 }, updatedAt: 1_796_000_000_000 } };

@Controller()
class EchoController {
  @MessagePattern(ECHO_PATTERN)
  echo(): unknown {
    return REPLY;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

async function main(): Promise<void> {
  const secret = process.env['SECRET'] ?? '';
  if (process.env['MODE'] === 'ringnest') {
    const strategy = new ClusterServer({ port: 0, nodeName: 'echo@127.0.0.1', secret });
    const app = await NestFactory.createMicroservice(EchoModule, { strategy, logger: ['error'] });
    await app.listen();
    console.log(`listening ${strategy.address()?.port}`);
    return;
  }
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const send = turnWriter(socket);
    frameReader(socket, (m) => send(framed({ id: (m as { id: number }).id, data: REPLY })));
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0}`);
  });
}

void main();
