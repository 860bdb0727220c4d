/**
 * The durable side of the inbox: notifications stored once per target channel (fan-out on read),
 * per-(user, notification) state, and preferences. Every state change commits together with the
 * `notification:*` message that tells the user's other devices, and returns that message.
 */
import type { InboxAction, InboxPage, Json, Message, Priority, PublishedRef } from '@herald/protocol';

/** Whose inbox: the user and the channels it is made of (SPEC §2). */
export interface InboxViewer {
  sub: string;
  /** `user:{sub}`, each `role:{r}`, `broadcast`, and the exact channels of the token's claim. */
  channels: readonly string[];
}

export interface NewNotification {
  to: readonly string[];
  type: string;
  title: string;
  body?: string | undefined;
  data?: Json | undefined;
  actionUrl?: string | undefined;
  priority: Priority;
  /** Epoch ms. */
  expiresAt?: number | undefined;
  idempotency?: { key: string; fingerprint: string } | undefined;
}

export type CreateOutcome =
  | { kind: 'stored'; refs: PublishedRef[]; messages: Message[] }
  | { kind: 'replayed'; refs: PublishedRef[] }
  | { kind: 'conflict' };

/** A state change: how many items changed, the new unread count, and the message to deliver. */
export interface InboxChange {
  updated: number;
  unread: number;
  message: Message | undefined;
}

/**
 * What every implementation must guarantee:
 *
 * - **Atomic.** `create` stores each notification together with its `notification:new` message on
 *   its channel (and its idempotency answer); `update`, `readAll` and `setPreferences` commit the
 *   state change together with the `notification:updated` / `notification:deleted` message on
 *   `user:{sub}` that they return. Those messages take seqs like any append (see {@link Store}:
 *   contiguous, commit order is seq order).
 * - **One change, once.** Concurrent changes of the same user's state (two devices, two nodes)
 *   behave as if run one after the other: an item marked read twice at once is `updated: 1` once
 *   and announced once. `NOT_FOUND` (unknown, foreign, expired or deleted ids) changes nothing.
 * - **Counts.** `unread` in every answer is exact at the moment of the change: not read, not
 *   deleted, not expired, type not muted, over the viewer's channels.
 * - **Caches.** A count kept in memory is only valid while nothing else can change it. The SQLite
 *   unread counter relies on being the only writer; an implementation shared by several nodes
 *   must count in the database or check a cached count against what other nodes committed (the
 *   PostgreSQL store compares the heads of the viewer's channels, which every inbox change moves).
 */
export interface InboxStore {
  /** Store one notification per `to` channel; VALIDATION_FAILED when `expiresAt` is not in the future (checked after the idempotency key). */
  create(notification: NewNotification): Promise<CreateOutcome>;
  list(
    viewer: InboxViewer,
    query: { status: 'unread' | 'read' | 'all'; archived: 'true' | 'false' | 'all'; limit: number; before?: string | undefined },
  ): Promise<InboxPage>;
  unreadCount(viewer: InboxViewer): Promise<number>;
  /** Throws NOT_FOUND (nothing changed) when any id is not in the viewer's inbox. */
  update(viewer: InboxViewer, action: InboxAction, ids: readonly string[]): Promise<InboxChange>;
  /** Mark read every unread item created at or before `before` (epoch ms; default now). */
  readAll(viewer: InboxViewer, before: number | undefined): Promise<InboxChange>;
  getPreferences(sub: string): Promise<{ mutedTypes: string[] }>;
  setPreferences(viewer: InboxViewer, mutedTypes: readonly string[]): Promise<{ mutedTypes: string[]; unread: number; message: Message }>;
  /** Remove expired notifications and their state; returns how many went. */
  prune(now: number): Promise<number>;
}
