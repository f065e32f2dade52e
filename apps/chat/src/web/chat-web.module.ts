/**
 * The chat node's web face: the WebSocket gateway at `/chat` and the browser page at `/`. Its
 * gateway needs `ROOM_DIRECTORY` and `LINE_SERVER_OPTIONS`, which the (global) `ChatModule` that
 * imports this module exports, and the node's `ConnectionSlots` (`ChatConnectionsModule`: one
 * instance per application, shared with the TCP line server).
 */
import { Module } from '@nestjs/common';
import { ChatConnectionsModule } from '../line-server';
import { ChatGateway } from './chat.gateway';
import { ChatPageController } from './chat-page.controller';

@Module({ imports: [ChatConnectionsModule], controllers: [ChatPageController], providers: [ChatGateway] })
export class ChatWebModule {}
