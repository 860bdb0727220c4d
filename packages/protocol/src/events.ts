/**
 * Socket.IO event maps shared by server and client (path `/socket.io`, default namespace).
 */
import type { ErrorBody } from './errors.js';
import type { Message } from './message.js';
import type { AuthPayload, SubscribePayload, UnsubscribePayload } from './schemas.js';
import type { InboxUpdateResult } from './notification.js';
import type { InboxIdsBody, InboxReadAllBody } from './notification-schemas.js';

/** A failed acknowledgement. */
export interface AckError {
  ok: false;
  error: ErrorBody;
}

/** An acknowledgement: `{ ok: true, … }` or `{ ok: false, error }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

/** Ack of `subscribe`. */
export interface SubscribeResult {
  channel: string;
  /** The channel's head (last seq) when the subscription was made. */
  head: number;
  /** `false` only when retention no longer reaches back to `since`: refetch state. */
  recovered: boolean;
  /** Messages after `since` (at most 1000); page on through history when more remain. */
  messages: Message[];
}

/** `unsubscribed` payload: the server ended a subscription. */
export interface UnsubscribedEvent {
  channel: string;
  /** Why: `CHANNEL_FORBIDDEN` after a token change, `AUTH_EXPIRED` when the token ran out. */
  code: string;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  message: (message: Message) => void;
  messages: (messages: Message[]) => void;
  unsubscribed: (event: UnsubscribedEvent) => void;
}

/** Events a client sends; every one takes an acknowledgement. */
export interface ClientToServerEvents {
  subscribe: (payload: SubscribePayload, ack: (result: Ack<SubscribeResult>) => void) => void;
  unsubscribe: (payload: UnsubscribePayload, ack: (result: Ack) => void) => void;
  auth: (payload: AuthPayload, ack: (result: Ack) => void) => void;
  'inbox:read': (payload: InboxIdsBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
  'inbox:seen': (payload: InboxIdsBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
  'inbox:archive': (payload: InboxIdsBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
  'inbox:unarchive': (payload: InboxIdsBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
  'inbox:delete': (payload: InboxIdsBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
  'inbox:read-all': (payload: InboxReadAllBody, ack: (result: Ack<InboxUpdateResult>) => void) => void;
}

/**
 * Codes a refused handshake carries in `connect_error`'s `data.code` (`VALIDATION_FAILED`: an
 * `auth.events` other than `envelope` or `named`).
 */
export type HandshakeErrorCode = 'AUTH_REQUIRED' | 'AUTH_INVALID' | 'AUTH_EXPIRED' | 'CONNECTION_LIMIT' | 'VALIDATION_FAILED';

/**
 * The second argument of a named event (handshake `auth: { token, events: 'named' }`): the
 * message's place on its channel, `meta.seq` being the cursor to resubscribe with.
 */
export interface NamedEventMeta {
  channel: string;
  seq: number;
  id: string;
  ts: number;
}

/**
 * Event names a socket with `events: 'named'` still receives in a `message` envelope (or within
 * `messages`): Socket.IO's reserved names, which socket.io-client refuses as incoming events (it
 * drops the connection), and Herald's own server events, whose listeners expect an envelope.
 */
export const ENVELOPE_ONLY_EVENTS: readonly string[] = Object.freeze([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  'message',
  'messages',
  'unsubscribed',
]);
