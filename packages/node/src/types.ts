/**
 * Public types of `@herald/node`: options, what each method takes and what it answers. Wire types
 * come from `@herald/protocol` (imported as types only: nothing of it is loaded at run time).
 */
import type { ErrorBody, EventMap, HistoryResult, Priority, PublishedRef } from '@herald/protocol';

export type { EventMap, HistoryResult, PublishedRef, Priority };

/** Options of `createHerald`. */
export interface HeraldNodeOptions {
  /**
   * Base URL of the Herald server (a path prefix is kept: `https://example.com/herald`).
   * @example 'http://127.0.0.1:4700'
   */
  url: string;
  /** An API key from the server's `HERALD_API_KEYS`. Server-side only: never send it to a browser. */
  apiKey: string;
  /**
   * Longest one HTTP attempt may take, answer body included, in milliseconds. A call that is
   * retried can take up to `(retries + 1) × timeoutMs` plus the waits between attempts.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Attempts after the first one, for failures that may pass: network errors, timeouts, `429`
   * and `5xx` answers (except `501` and `505`). `0` turns retrying off.
   * @default 3
   */
  retries?: number;
  /**
   * Waits between attempts: full jitter, a random time between 0 and
   * `min(maxMs, minMs × 2^attempt)`, so that many back ends do not retry in step.
   * @default { minMs: 200, maxMs: 5000 }
   */
  backoff?: { minMs?: number; maxMs?: number };
  /**
   * The longest `Retry-After` (of a `429` or `503`) the SDK waits for before retrying; a longer
   * one ends the call with that error at once, so the caller decides (its `retryAfterMs` says how long).
   * @default 30000
   */
  maxRetryAfterMs?: number;
  /**
   * Most bytes of one `POST /v1/publish/batch` body: `publishBatch` starts a new request before a
   * chunk would grow past it (as well as past 1000 items). Keep it under the server's
   * `HERALD_BODY_LIMIT`.
   * @default 7340032 (7 MiB, under the server's 8 MiB default)
   */
  maxBatchBytes?: number;
  /**
   * The `fetch` to use: a proxy-aware one, or an instrumented one.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * `User-Agent` header of every request (runtimes that forbid setting it ignore it).
   * @default 'herald-node/0.1'
   */
  userAgent?: string;
}

/** Options every method takes last. */
export interface CallOptions {
  /**
   * Abort the call (and its retries); the call then rejects with the signal's reason, as
   * `fetch` does.
   */
  signal?: AbortSignal;
}

/** Where a message goes: one channel, or several (1–100, each once; stored once on each). */
export type PublishTarget =
  | { channel: string; channels?: never }
  | { channels: readonly string[]; channel?: never };

/**
 * One publish, typed by the event map: `event` is one of its names and `data` that event's type.
 * `data` may be left out when the event's type allows `undefined` (it is stored as `null`).
 * @example
 * const input: PublishInput<{ 'order:created': { id: number } }> = { channel: 'restaurant:7', event: 'order:created', data: { id: 42 } };
 */
export type PublishInput<E extends EventMap = EventMap> = {
  [K in keyof E & string]: PublishTarget & {
    event: K;
    /**
     * 1–200 printable ASCII characters. Within 24 h the same key and the same publish answer the
     * first result and store nothing new. @default one generated per call, reused by its retries
     */
    idempotencyKey?: string;
  } & (undefined extends E[K] ? { data?: E[K] } : { data: E[K] });
}[keyof E & string];

/** `POST /v1/publish` answer: where the message was stored, one entry per channel, in order. */
export interface PublishResult {
  messages: PublishedRef[];
}

/** One item's result in a batch: where it was stored, or why it was refused (the others go on). */
export type BatchItemResult = { messages: PublishedRef[]; error?: never } | { error: ErrorBody; messages?: never };

/** `publishBatch` answer: one result per item, in the order of the items. */
export interface PublishBatchResult {
  results: BatchItemResult[];
}

/** `notify`'s input: a notification stored in the inboxes of the users entitled to `to`. */
export interface NotifyInput {
  /** Channels whose users get it (1–100, each once): `user:42`, `role:admin`, `restaurant:7`, `broadcast`. */
  to: readonly string[];
  /** The application's notification type, e.g. `order_ready` (users may mute a type). */
  type: string;
  /** 1–500 characters. */
  title: string;
  /** Up to 10,000 characters. */
  body?: string;
  /** Any JSON value, at most 64 KiB encoded. */
  data?: unknown;
  /** An http(s) URL or a path starting with `/`, opened when the notification is clicked. */
  actionUrl?: string;
  /** @default 'normal' */
  priority?: Priority;
  /** When it leaves the inbox: a `Date` or an ISO 8601 time with offset, in the future. */
  expiresAt?: Date | string;
  /**
   * Within 24 h the same key and the same notification answer the first result and store nothing
   * new (notifications have their own key space). @default one generated per call, reused by its retries
   */
  idempotencyKey?: string;
}

/** `POST /v1/notifications` answer: the stored notification, one entry per target channel. */
export interface NotifyResult {
  notifications: PublishedRef[];
}

/** `mintToken`'s input: the claims of a client token. */
export interface MintTokenInput {
  /** The user id (names the channel `user:{sub}`): 1–195 characters of `A-Z a-z 0-9 _ . : @ -`. */
  sub: string;
  /** Up to 50 roles: the token may read `role:{role}` for each. */
  roles?: readonly string[];
  /** Up to 100 grants: exact channel names or `ns:*` for a whole namespace. */
  channels?: readonly string[];
  /** Lifetime, 10 s to 30 days. @default 3600 */
  ttlSeconds?: number;
}

/** `POST /v1/tokens` answer. */
export interface MintTokenResult {
  /** An HS256 client JWT, for the browser or app of `sub`. */
  token: string;
  /** When it expires, epoch milliseconds. */
  expiresAt: number;
}

/** `history`'s query. */
export interface HistoryQuery {
  /** The messages after this seq; without it, the newest `limit` messages. */
  since?: number;
  /** 1–1000. @default 100 */
  limit?: number;
}

/** `GET /v1/channels/{channel}/presence` answer, over every node. */
export interface PresenceResult {
  /** Subscribed sockets. */
  clients: number;
  /** Distinct `sub`s subscribed, sorted. */
  users: string[];
}

/** `GET /v1/stats` answer, over every node (up to a second old with several). */
export interface StatsResult {
  /** Open Socket.IO connections. */
  connections: number;
  /** Channel subscriptions of those sockets, automatic ones included. */
  subscriptions: number;
  /** Herald processes alive. */
  nodes: number;
  /** Averages over the last minute (`windowSeconds` is shorter just after start). */
  rates: { publishedPerSecond: number; deliveredPerSecond: number; windowSeconds: number };
}
