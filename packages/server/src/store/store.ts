/**
 * The durable side of channels: messages with contiguous per-channel `seq`, channel heads,
 * idempotency keys and retention. One interface, one implementation per database (SQLite for a
 * single node, PostgreSQL for one or several nodes on one database); both run the same contract
 * suite (`test/store-contract.test.ts`) and the store-related server tests.
 */
import type { Json, Message, PublishedRef } from '@herald/protocol';
import type { RetentionRules } from '../config/index.js';
import type { InboxStore } from './inbox-store.js';

/** One publish: the same event stored once on each channel. */
export interface AppendRequest {
  channels: readonly string[];
  event: string;
  data: Json;
  /** `data` encoded as JSON (computed once by the caller, which also checks its size). */
  dataJson: string;
  /** With a key, a repeat within 24 h answers the first result and stores nothing. */
  idempotency?: { key: string; fingerprint: string } | undefined;
}

export type AppendOutcome =
  /** Newly stored: deliver these. */
  | { kind: 'stored'; messages: Message[] }
  /** The idempotency key was seen with the same request: the original answer, nothing stored. */
  | { kind: 'replayed'; refs: PublishedRef[] }
  /** The idempotency key was seen with a different request. */
  | { kind: 'conflict' };

/** What the store knows of a channel. */
export interface ChannelState {
  /** Last seq assigned (0 when nothing was ever published). */
  head: number;
  /** Highest seq removed by retention (0 when nothing was removed): replay needs `since >= floor`. */
  floor: number;
}

/**
 * What every implementation must guarantee (delivery, sync and the cluster rely on each point):
 *
 * - **Atomic.** One `append` call commits all its requests or none, each request's messages and
 *   its idempotency answer together; an inbox change commits with the `notification:*` message
 *   that announces it (see {@link InboxStore}). A store may commit several callers' appends in one
 *   transaction (group commit), but answers each caller only after that commit, with its own
 *   outcomes, and must not let one caller's failing request fail another caller.
 * - **Order.** Per channel, seq starts at 1 and grows by exactly 1 per message, with no gap and no
 *   duplicate, whatever the number of concurrent callers and nodes. Within one call, messages on
 *   the same channel get ascending seqs in request order.
 * - **Visibility (cluster invariant).** When `append` answers seq k on channel c, every seq < k of c
 *   is committed and visible to `read`, `readLatest` and `channelStates` on every node: per channel,
 *   commit order is seq order. So a reader never sees seq k without k - 1 (unless retention
 *   removed it, and then `floor` says so), and `channelStates` never reports a head whose messages
 *   are not all readable.
 * - **Idempotency.** A key answers the first stored result for 24 h (`replayed`), or `conflict`
 *   for a different request, even when several callers or nodes use it at the same moment: it is
 *   stored once.
 * - **Retention.** `prune` only removes a prefix of each channel, raises its `floor` in the same
 *   commit, never lowers a head, and may run on every node at the same time.
 * - **Failures.** An unreachable database or a dropped connection is `HeraldError('UNAVAILABLE')`;
 *   the store recovers on its own when the database is back.
 * - **Caches.** Anything kept in process memory that a write can make stale (heads, tails of
 *   channels, unread counts) is only valid while this process is the database's only writer. The
 *   SQLite store uses such caches (its writer's heads, the tail cache, the unread counter) and is
 *   single-node by design; an implementation shared by several nodes must not use them, or must
 *   check each cached value against the database before answering with it.
 */
export interface Store {
  /**
   * Store publishes in order, with one outcome per request (see the contract above). Each
   * channel's seq continues from its head by exactly 1 per message, without gaps or duplicates,
   * however many callers and nodes append at once.
   */
  append(requests: readonly AppendRequest[]): Promise<AppendOutcome[]>;
  /** Messages of `channel` with `seq > after`, ascending, at most `limit`. */
  read(channel: string, after: number, limit: number): Promise<Message[]>;
  /** The newest `limit` messages of `channel`, ascending. */
  readLatest(channel: string, limit: number): Promise<Message[]>;
  /** Head and floor of each channel (unknown channels: `{ head: 0, floor: 0 }`). */
  channelStates(channels: readonly string[]): Promise<Map<string, ChannelState>>;
  /** Apply retention and drop expired idempotency keys; returns how many messages went. */
  prune(rules: RetentionRules, now: number): Promise<{ messages: number; idempotencyKeys: number; notifications: number }>;
  /** Resolves when the database answers; rejects with `UNAVAILABLE` when it does not. */
  ping(): Promise<void>;
  /** Notifications, per-user state and preferences, in the same database. */
  readonly inbox: InboxStore;
  /** Wait for nothing more and release the database (connections, file handles). */
  close(): Promise<void>;
}
