/**
 * The durable side of channels: messages with contiguous per-channel `seq`, channel heads,
 * idempotency keys and retention. One interface, one implementation per database (SQLite now;
 * PostgreSQL fills the same interface and runs the same test suite).
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

export interface Store {
  /**
   * Store publishes in one transaction, in order. Each channel's seq continues from its head by
   * exactly 1 per message, without gaps or duplicates, however many callers append at once.
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
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Notifications, per-user state and preferences, in the same database. */
  readonly inbox: InboxStore;
  close(): Promise<void>;
}
