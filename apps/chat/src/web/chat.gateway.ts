/**
 * The chat app's WebSocket gateway, `ws://host:HTTP_PORT/chat`: every socket gets a
 * `WsConnection` — its own `ChatSession` on the node's `RoomDirectory`, so WS and TCP clients share
 * rooms and the protocol behaviour has one source, the interpreter. Connection ids are `ws-<n>`,
 * unique within the node beside the line server's `tcp-<n>`. A socket needs a slot of the node's
 * `ConnectionSlots` (shared with the TCP line server); without one it gets the line
 * `sorry, this server is full` and is closed with 1013 (try again later).
 *
 * Frames are routed by `WsConnection`, not by `@SubscribeMessage` handlers: Nest's adapter silently
 * drops frames it cannot route, while every bad frame must be answered with an `error` frame, and
 * one path keeps a socket's frames in arrival order.
 */
import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { LINE_SERVER_OPTIONS, LineServerOptions, ROOM_DIRECTORY, sessionLimitsOf } from '../line-server';
import { replies } from '../protocol';
import { RoomDirectory } from '../rooms';
import { ClientAdmission, ConnectionSlots, SessionLimits } from '../session';
import { SessionLines } from './session-lines';
import { ChatSocket, WsConnection } from './ws-connection';
import { MAX_PAYLOAD_BYTES, lineFrame } from './ws-frames';

/** WebSocket close code of a refused connection: try again later */
export const WS_CLOSE_SERVER_FULL = 1013;

export const CHAT_WS_PATH = '/chat';

@WebSocketGateway({ path: CHAT_WS_PATH, maxPayload: MAX_PAYLOAD_BYTES })
export class ChatGateway implements OnGatewayConnection {
  private readonly logger = new Logger('ChatGateway');
  private readonly admission: ClientAdmission<WsConnection>;
  private readonly limits: SessionLimits;

  constructor(
    @Inject(LINE_SERVER_OPTIONS) private readonly options: LineServerOptions,
    @Inject(ROOM_DIRECTORY) private readonly rooms: RoomDirectory,
    slots: ConnectionSlots,
  ) {
    this.limits = sessionLimitsOf(options);
    this.admission = new ClientAdmission('ws', slots, this.logger);
  }

  /** Open WebSocket clients. */
  get connectionCount(): number {
    return this.admission.count;
  }

  handleConnection(socket: ChatSocket): void {
    const admitted = this.admission.admit((id, onClosed) => new WsConnection(id, socket, this.options.node, this.rooms, this.options.maxOutputBytes, this.logger, onClosed, this.limits));
    if (admitted) return;
    socket.on('error', () => undefined);
    for (const line of new SessionLines().push(replies.serverFull())) socket.send(lineFrame(line));
    socket.close(WS_CLOSE_SERVER_FULL, 'server full');
  }
}
