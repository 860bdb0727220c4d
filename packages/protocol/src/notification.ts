/**
 * Notifications and the inbox: the stored, user-facing side of Herald (SPEC §2, §4).
 */
import { z } from 'zod';
import { channelSchema, eventNameSchema, idempotencyKeySchema } from './schemas.js';

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

const isoTime = z.iso.datetime({ offset: true });

/** `POST /v1/notifications` body. */
export const createNotificationBodySchema = z.strictObject({
  to: z
    .array(channelSchema)
    .min(1)
    .max(MAX_NOTIFICATION_TARGETS)
    .refine((cs) => new Set(cs).size === cs.length, 'each channel may appear once'),
  type: eventNameSchema,
  title: z.string().min(1).max(500),
  body: z.string().max(10_000).optional(),
  data: z.unknown().optional(),
  actionUrl: z
    .string()
    .max(2048)
    .refine((u) => /^(https?:\/\/|\/)/.test(u), 'actionUrl is an http(s) URL or a path starting with /')
    .optional(),
  priority: z.enum(PRIORITIES).default('normal'),
  expiresAt: isoTime.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});
export type CreateNotificationBody = z.infer<typeof createNotificationBodySchema>;

/** `GET /v1/inbox` query. */
export const inboxQuerySchema = z.strictObject({
  status: z.enum(['unread', 'read', 'all']).default('all'),
  archived: z.enum(['true', 'false', 'all']).default('false'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'before is the nextCursor of a previous page').optional(),
});
export type InboxQuery = z.infer<typeof inboxQuerySchema>;

/** Body of `POST /v1/inbox/read | seen | archive | unarchive | delete` and their socket events. */
export const inboxIdsBodySchema = z.strictObject({
  ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_INBOX_IDS),
});
export type InboxIdsBody = z.infer<typeof inboxIdsBodySchema>;

/** Body of `POST /v1/inbox/read-all` and the `inbox:read-all` event. */
export const inboxReadAllBodySchema = z.strictObject({ before: isoTime.optional() });
export type InboxReadAllBody = z.infer<typeof inboxReadAllBodySchema>;

/** `PUT /v1/preferences` body. */
export const preferencesBodySchema = z.strictObject({
  mutedTypes: z
    .array(eventNameSchema)
    .max(200)
    .transform((ts) => [...new Set(ts)].sort()),
});
export type Preferences = z.infer<typeof preferencesBodySchema>;

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
