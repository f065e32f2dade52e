/**
 * The node's one `ConnectionSlots`: the cap on chat clients shared by the TCP line server and the
 * WebSocket gateway, sized by `LineServerOptions.maxConnections` (`LINE_SERVER_OPTIONS`, provided by
 * the chat node's root module). Import this module wherever a transport needs the slots; Nest keeps
 * one instance per application.
 */
import { Module } from '@nestjs/common';
import { ConnectionSlots } from '../session';
import { LINE_SERVER_OPTIONS } from './line-server';
import { LineServerOptions } from './line-server.config';

@Module({
  providers: [{ provide: ConnectionSlots, inject: [LINE_SERVER_OPTIONS], useFactory: (options: LineServerOptions) => new ConnectionSlots(options.maxConnections) }],
  exports: [ConnectionSlots],
})
export class ChatConnectionsModule {}
