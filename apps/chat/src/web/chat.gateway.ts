/**
 * The chat app's WebSocket gateway, `ws://host:HTTP_PORT/chat` (SPEC §7): every socket gets a
 * `WsConnection` — its own `ChatSession` on the node's `RoomDirectory`, so WS and TCP clients share
 * rooms and the protocol behaviour has one source, the interpreter. Connection ids are `ws-<n>`,
 * unique within the node beside the line server's `tcp-<n>`.
 *
 * Frames are routed by `WsConnection`, not by `@SubscribeMessage` handlers: Nest's adapter silently
 * drops frames it cannot route, while every bad frame must be answered with an `error` frame, and
 * one path keeps a socket's frames in arrival order.
 */
import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { LINE_SERVER_OPTIONS, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { RoomDirectory } from '../rooms';
import { ChatSocket, WsConnection } from './ws-connection';
import { MAX_PAYLOAD_BYTES } from './ws-frames';

export const CHAT_WS_PATH = '/chat';

@WebSocketGateway({ path: CHAT_WS_PATH, maxPayload: MAX_PAYLOAD_BYTES })
export class ChatGateway implements OnGatewayConnection {
  private readonly logger = new Logger('ChatGateway');
  private readonly connections = new Set<WsConnection>();
  private nextId = 1;

  constructor(
    @Inject(LINE_SERVER_OPTIONS) private readonly options: LineServerOptions,
    @Inject(ROOM_DIRECTORY) private readonly rooms: RoomDirectory,
  ) {}

  /** Open WebSocket clients. */
  get connectionCount(): number {
    return this.connections.size;
  }

  handleConnection(socket: ChatSocket): void {
    const id = `ws-${this.nextId++}`;
    this.connections.add(new WsConnection(id, socket, this.options.node, this.rooms, this.options.maxOutputBytes, this.logger, (c) => this.connections.delete(c)));
  }
}
