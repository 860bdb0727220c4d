/**
 * Notifications and the inbox: the stored, user-facing side of Herald (SPEC §2, §4).
 */

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Inbox traffic: reserved event names of the messages Herald publishes for the inbox. */
export const INBOX_EVENTS = {
  new: 'notification:new',
  updated: 'notification:updated',
  deleted: 'notification:deleted',
} as const;

/**
 * A notification as a user sees it. The `*At` fields are the caller's own state; timestamps are
 * ISO 8601 strings.
 */
export interface Notification {
  id: string;
  channel: string;
  type: string;
  title: string;
  body?: string;
  data?: unknown;
  actionUrl?: string;
  priority: Priority;
  createdAt: string;
  expiresAt?: string;
  readAt?: string;
  seenAt?: string;
  archivedAt?: string;
  /** Set in inbox answers when the user muted this type: show it, but no toast or sound. */
  muted?: boolean;
}

/** `notification:updated` data, on `user:{sub}`: apply the change to `ids` (or, with `all`, to every unread item created at or before `before`). */
export interface NotificationUpdated {
  ids: string[];
  /** read-all: the change applies to every unread item created at or before `before`. */
  all?: boolean;
  before?: string;
  /** `null` clears the field (unarchive). */
  readAt?: string;
  seenAt?: string;
  archivedAt?: string | null;
  /** The user's muted types, when preferences changed (then `ids` is empty). */
  mutedTypes?: string[];
  /** The user's unread count after the change. */
  unread: number;
}

/** `notification:deleted` data, on `user:{sub}`. */
export interface NotificationDeleted {
  ids: string[];
  unread: number;
}

/** Most ids one inbox operation takes. */
export const MAX_INBOX_IDS = 500;

/** Most channels one notification is addressed to. */
export const MAX_NOTIFICATION_TARGETS = 100;

/** The answer of every inbox state change. */
export interface InboxUpdateResult {
  updated: number;
  unread: number;
}

/** `GET /v1/inbox` answer. */
export interface InboxPage {
  items: Notification[];
  nextCursor: string | null;
  unread: number;
}

/** Inbox state changes, as HTTP route suffix / socket event suffix. */
export const INBOX_ACTIONS = ['read', 'seen', 'archive', 'unarchive', 'delete'] as const;
export type InboxAction = (typeof INBOX_ACTIONS)[number];
