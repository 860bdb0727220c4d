/**
 * Rows as both stores read them, and their mapping to the wire types: the SQLite and PostgreSQL
 * schemas name and encode these columns the same way (epoch ms, JSON as text).
 */
import type { InboxAction, Message, Notification, Priority } from '@herald/protocol';
import type { NewNotification } from './inbox-store.js';

export interface MessageRow {
  channel: string;
  seq: number;
  id: string;
  event: string;
  data: string;
  ts: number;
}

export const toMessage = (r: MessageRow): Message => ({ id: r.id, channel: r.channel, seq: r.seq, event: r.event, data: JSON.parse(r.data), ts: r.ts });

/**
 * One notification, one item. A notification addressed to several channels in one call is stored
 * as one row per channel, all with the same id (each row's `notification:new` message keeps its
 * channel's seq stream whole), with `targets` (how many rows). A viewer entitled to several of them
 * reads, counts and changes it once, through its *first* row among the viewer's channels in name
 * (byte) order: a row is the viewer's when it is the only target or no row of the same id on a
 * channel that sorts before it is one of the viewer's channels. Name order, not the order of `to`,
 * so that a client can tell which copy the server lists from the copies alone. Each store puts
 * that condition in its page, count and read-all queries; state rows are keyed by the id, so a
 * state change applies to the notification whichever row it was seen through.
 */
export interface NotificationTarget {
  channel: string;
}

/** The viewer's row of a notification: of `targets` (any order) on one of `channels`, the first by name. */
export function firstTarget<T extends NotificationTarget>(targets: readonly T[], channels: { has(channel: string): boolean }): T | undefined {
  let first: T | undefined;
  for (const t of targets) if (channels.has(t.channel) && (first === undefined || t.channel < first.channel)) first = t;
  return first;
}

/** One row (target) of a notification, with a user's state of the notification: what a state change checks. */
export interface TargetState extends NotificationTarget {
  type: string;
  expires_at: number | null;
  read_at: number | null;
  seen_at: number | null;
  archived_at: number | null;
  deleted_at: number | null;
}

/** A notification with the viewer's state. */
export interface NotificationRow {
  id: string;
  channel: string;
  type: string;
  title: string;
  body: string | null;
  data: string | null;
  action_url: string | null;
  priority: Priority;
  created_at: number;
  expires_at: number | null;
  read_at: number | null;
  seen_at: number | null;
  archived_at: number | null;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A ULID sorts below this in byte order: the "no cursor" bound of inbox pages. */
export const AFTER_ALL_IDS = '~';

/** What `notification:new` on `channel` carries: the notification, without anyone's state. */
export function notificationOf(n: NewNotification, id: string, channel: string, now: number): Notification {
  const notification: Notification = { id, channel, type: n.type, title: n.title, priority: n.priority, createdAt: iso(now) };
  if (n.body !== undefined) notification.body = n.body;
  if (n.data !== undefined) notification.data = n.data;
  if (n.actionUrl !== undefined) notification.actionUrl = n.actionUrl;
  if (n.expiresAt !== undefined) notification.expiresAt = iso(n.expiresAt);
  return notification;
}

export function toNotification(r: NotificationRow, muted: ReadonlySet<string>): Notification {
  const n: Notification = { id: r.id, channel: r.channel, type: r.type, title: r.title, priority: r.priority, createdAt: iso(r.created_at) };
  if (r.body !== null) n.body = r.body;
  if (r.data !== null) n.data = JSON.parse(r.data);
  if (r.action_url !== null) n.actionUrl = r.action_url;
  if (r.expires_at !== null) n.expiresAt = iso(r.expires_at);
  if (r.read_at !== null) n.readAt = iso(r.read_at);
  if (r.seen_at !== null) n.seenAt = iso(r.seen_at);
  if (r.archived_at !== null) n.archivedAt = iso(r.archived_at);
  if (muted.has(r.type)) n.muted = true;
  return n;
}

export type StateColumn = 'read_at' | 'seen_at' | 'archived_at' | 'deleted_at';

/** The state column each inbox action writes, and whether it sets or clears it. */
export const ACTIONS: Record<InboxAction, { column: StateColumn; set: boolean }> = {
  read: { column: 'read_at', set: true },
  seen: { column: 'seen_at', set: true },
  archive: { column: 'archived_at', set: true },
  unarchive: { column: 'archived_at', set: false },
  delete: { column: 'deleted_at', set: true },
};

/** The wire field of each state column. */
export const FIELDS = { read_at: 'readAt', seen_at: 'seenAt', archived_at: 'archivedAt', deleted_at: 'deletedAt' } as const;
