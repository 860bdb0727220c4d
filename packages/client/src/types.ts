/**
 * Public types of `@herald/client`.
 */
import type { EventMap, Message, Notification, TypedMessage } from '@herald/protocol';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';

// The event-map typing lives in the protocol, shared with `@herald/node`'s publish.
export type { EventMap, Message, Notification, TypedMessage };

/**
 * Where the client stands:
 * - `connecting`: no working transport yet (first connect, or socket retrying before polling starts);
 * - `live`: the Socket.IO connection is up;
 * - `polling`: the socket is down or refused, `/v1/sync` long-polling keeps messages flowing;
 * - `offline`: neither works; retrying with backoff;
 * - `unauthorized`: `getToken` threw `UnauthorizedError`; terminal until `close()`.
 */
export type ConnectionState = 'connecting' | 'live' | 'polling' | 'offline' | 'unauthorized';

/** Emitted on every state change. */
export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
}

/**
 * Key-value storage for cursors and the "already announced" mark. `localStorage` fits; so does
 * any object with these three methods.
 */
export interface CursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface HeraldOptions {
  /** Base URL of the Herald server, e.g. `https://herald.example.com`. */
  url: string;
  /**
   * Returns a client JWT. Called at start, before the current token expires, and when the server
   * answers `AUTH_EXPIRED`. Throw `UnauthorizedError` to stop for good (state `unauthorized`).
   */
  getToken: () => string | Promise<string>;
  /** Where cursors are kept. @default localStorage in browsers, memory elsewhere */
  storage?: CursorStorage;
  /** Prefix of storage keys, so several clients can share one storage. @default 'herald' */
  storageKey?: string;
  /** How long a message ahead of a gap is held before the gap is fetched, ms. @default 250 */
  gapTimeoutMs?: number;
  /** Start `/v1/sync` polling once the socket has been down (or unable to connect) this long, ms. @default 3000 */
  pollAfterMs?: number;
  /** Reconnect backoff: full jitter between 0 and min(maxMs, minMs·2^attempt). @default { minMs: 500, maxMs: 30000 } */
  backoff?: { minMs?: number; maxMs?: number };
  /** Socket.IO transports. @default ['websocket', 'polling'] */
  transports?: ('websocket' | 'polling')[];
  /** Long-poll wait of `/v1/sync`, seconds (≤ 25). @default 25 */
  syncWaitSeconds?: number;
  /** Ask `getToken` for a new token this long before the current one expires, ms. @default 60000 */
  refreshBeforeExpiryMs?: number;
  /** Load and keep the inbox in sync. @default true */
  inbox?: boolean;
  /** `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Further socket.io-client options, e.g. in Node an `agent` (a proxy's, or one bound to a source
   * address) or `extraHeaders`. Herald's own settings (path, auth, transports, reconnection) win.
   * @example { agent: new https.Agent({ keepAlive: true }) }
   */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export interface SubscribeOptions {
  /**
   * Called when the server no longer holds everything after this client's cursor (retention) or
   * the cursor is unknown to it: reload the state this channel feeds, then messages resume.
   */
  onReset?: (channel: string) => void;
}

/** A snapshot of the inbox: immutable, a new object on every change (fit for useSyncExternalStore). */
export interface InboxSnapshot {
  /** Newest first. */
  items: readonly Notification[];
  unread: number;
  /** Whether older items can be loaded with `loadMore()`. */
  hasMore: boolean;
  /** Whether the first load has completed. */
  loaded: boolean;
  mutedTypes: readonly string[];
  /** Actions taken offline, not yet accepted by the server. */
  pendingActions: number;
  /** Archived notifications (newest first), loaded on demand by `inbox.loadArchived()`. */
  archived: ArchivedView;
  /** Why the last load failed (it is retried with backoff); undefined once a load succeeds. */
  error: InboxError | undefined;
}

/** The archived notifications: kept apart from `items`, loaded only when asked for. */
export interface ArchivedView {
  /** Newest first. */
  items: readonly Notification[];
  hasMore: boolean;
  /** Whether `loadArchived()` has completed once. */
  loaded: boolean;
}

/** A failed inbox load: Herald's error code (`NETWORK` when the server could not be reached). */
export interface InboxError {
  code: string;
  message: string;
}
