/**
 * The commands of the `chat` vnode service and their replies: what the ring room directory (the
 * coordinator) sends to the N vnodes of a room, and what a node sends to another to deliver room
 * events to its connections. Everything arriving from another node is checked with `isChatCommand`
 * / `isDeliverRequest` before use.
 */
import { MemberEntry, MessageKey, RoomState, StoredMessage, isMemberEntry, isMessageKey, isRoomState, isStoredMessage } from './room-state';
import { RoomEvent } from './room-directory';
import { defineService } from '@ringnest/riak-core';

/** the ring bucket of rooms: a room's ring key is ("chat", room) */
export const CHAT_BUCKET = 'chat';
/** the cluster transport pattern of a batch of room events for one node's connections */
export const CHAT_DELIVER_PATTERN = 'chat.deliver';
/** the cluster transport pattern asking a node to re-assert its members (another node thought it dead) */
export const CHAT_RESYNC_PATTERN = 'chat.resync';
/** the cluster transport pattern asking a node which of some connection ids it still holds */
export const CHAT_HELD_PATTERN = 'chat.held';

/** add (or rewrite) a member; reply: the history and the fan-out targets */
export type ChatJoin = { readonly op: 'join'; readonly room: string; readonly entry: MemberEntry };
/** rewrite a member entry (leave, rename, re-assert); reply: the fan-out targets */
export type ChatMember = { readonly op: 'member'; readonly room: string; readonly entry: MemberEntry };
/** evict connections (their node died, or says they are gone) at the version this replica holds; reply: the fan-out targets */
export type ChatEvict = { readonly op: 'evict'; readonly room: string; readonly conns: readonly string[] };
/** append a message to a live room (never creates one); reply: the fan-out targets, or `missing` */
export type ChatSay = { readonly op: 'say'; readonly room: string; readonly message: StoredMessage };
/** reply: the whole replica */
export type ChatRead = { readonly op: 'read'; readonly room: string };
/** move a name's mark (never creates the room) */
export type ChatMarkRead = { readonly op: 'mark-read'; readonly room: string; readonly name: string; readonly upTo: MessageKey };
/** merge a whole replica (read repair) */
export type ChatMerge = { readonly op: 'merge'; readonly room: string; readonly state: RoomState };
/** evict the present members held by a dead node from every room of this vnode */
export type ChatEvictNode = { readonly op: 'evict-node'; readonly node: string };
/** drop this vnode's expired rooms and tombstones by the vnode's clock; reply: `ExpireReply` */
export type ChatExpire = { readonly op: 'expire' };

export type ChatCommand = ChatJoin | ChatMember | ChatEvict | ChatSay | ChatRead | ChatMarkRead | ChatMerge | ChatEvictNode | ChatExpire;

/** Coverage request: the rooms of the covered partitions. */
export interface ChatRoomsRequest {
  readonly op: 'rooms';
}

export interface RoomReply {
  readonly state: RoomState;
}
/** The present members' connections, by the node holding them: all a fan-out needs (kept small: a room may have thousands). */
export type Targets = Record<string, string[]>;

export interface JoinReply {
  readonly history: readonly StoredMessage[];
  readonly targets: Targets;
}
export interface TargetsReply {
  readonly targets: Targets;
  /** for `member`: the replica's entry of the written connection before the write (null: none) */
  readonly prev?: MemberEntry | null;
  /** for `say`: this replica has no live room of that name, and the message was not stored */
  readonly missing?: true;
}
export interface OkReply {
  readonly ok: true;
}
export interface EvictReply {
  /** per room that lost members: who was evicted and who is present */
  readonly rooms: readonly { readonly room: string; readonly evicted: readonly MemberEntry[]; readonly targets: Targets }[];
}

export interface ExpireReply {
  /** rooms dropped */
  readonly expired: number;
  /** rooms idle past the TTL that still have present members (to check that those connections still exist) */
  readonly idle: readonly { readonly room: string; readonly members: readonly MemberEntry[] }[];
}

export type ChatReply = RoomReply | JoinReply | TargetsReply | OkReply | EvictReply | ExpireReply;

/**
 * The chat service: each command with its reply, and the coverage request for the room names.
 * Replies come from other nodes as they sent them: the directory checks what it relies on.
 */
export const CHAT = defineService<
  | [ChatJoin, JoinReply]
  | [ChatMember, TargetsReply]
  | [ChatEvict, TargetsReply]
  | [ChatSay, TargetsReply]
  | [ChatRead, RoomReply]
  | [ChatMarkRead, OkReply]
  | [ChatMerge, OkReply]
  | [ChatEvictNode, EvictReply]
  | [ChatExpire, ExpireReply],
  [ChatRoomsRequest, string[]]
>('chat');
/** The service's name, for the node watcher. */
export const CHAT_SERVICE = CHAT.name;

/** Room events for some connections of one node. */
export interface DeliverRequest {
  readonly event: RoomEvent;
  /** the node's local connection ids */
  readonly connections: readonly string[];
}

export interface DeliverReply {
  /** the connections the node does not hold (any more) */
  readonly gone: readonly string[];
}

export function isChatCommand(x: unknown): x is ChatCommand {
  if (!x || typeof x !== 'object') return false;
  const c = x as Record<string, unknown>;
  const room = typeof c['room'] === 'string';
  switch (c['op']) {
    case 'join':
    case 'member':
      return room && isMemberEntry(c['entry']);
    case 'say':
      return room && isStoredMessage(c['message']);
    case 'read':
      return room;
    case 'evict':
      return room && Array.isArray(c['conns']) && c['conns'].every((x) => typeof x === 'string');
    case 'mark-read':
      return room && typeof c['name'] === 'string' && isMessageKey(c['upTo']);
    case 'merge':
      return room && isRoomState(c['state']);
    case 'evict-node':
      return typeof c['node'] === 'string';
    case 'expire':
      return true;
    default:
      return false;
  }
}

export function isRoomEvent(x: unknown): x is RoomEvent {
  if (!x || typeof x !== 'object') return false;
  const e = x as Record<string, unknown>;
  if (typeof e['room'] !== 'string') return false;
  if (e['kind'] === 'message') return typeof e['from'] === 'string' && typeof e['text'] === 'string';
  return (e['kind'] === 'joined' || e['kind'] === 'left') && typeof e['name'] === 'string';
}

/** Some rooms' members (cluster-unique connection ids) held by one node, per room. */
export interface RoomConnections {
  readonly room: string;
  readonly connections: readonly string[];
}

/** `chat.held`: which of these members the node no longer holds in that room. */
export interface HeldRequest {
  readonly rooms: readonly RoomConnections[];
}

export interface HeldReply {
  /** per room, the connections that are gone or no longer in the room */
  readonly gone: readonly RoomConnections[];
}

const isRoomConnections = (x: unknown): x is RoomConnections =>
  !!x && typeof x === 'object' && typeof (x as RoomConnections).room === 'string' && isStringArray((x as RoomConnections).connections);

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((c) => typeof c === 'string');

export function isHeldRequest(x: unknown): x is HeldRequest {
  return !!x && typeof x === 'object' && Array.isArray((x as HeldRequest).rooms) && (x as HeldRequest).rooms.every(isRoomConnections);
}

export function isHeldReply(x: unknown): x is HeldReply {
  return !!x && typeof x === 'object' && Array.isArray((x as HeldReply).gone) && (x as HeldReply).gone.every(isRoomConnections);
}

export function isDeliverRequest(x: unknown): x is DeliverRequest {
  if (!x || typeof x !== 'object') return false;
  const d = x as Record<string, unknown>;
  return isRoomEvent(d['event']) && Array.isArray(d['connections']) && d['connections'].every((c) => typeof c === 'string');
}
