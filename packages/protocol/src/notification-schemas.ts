/** zod schemas of the inbox's HTTP bodies, queries and socket payloads. */
import { z } from 'zod';
import { channelSchema, dataSchema, eventNameSchema, idempotencyKeySchema } from './schemas.js';
import { MAX_INBOX_IDS, MAX_NOTIFICATION_TARGETS, PRIORITIES } from './notification.js';

const isoTime = z.iso.datetime({ offset: true });

/**
 * Text without NUL (U+0000): PostgreSQL cannot store it in text columns, and no title or URL
 * needs it. (JSON `data` may hold it: it is stored escaped.)
 */
const text = () => z.string().refine((s) => !s.includes('\u0000'), 'must not contain the NUL character (U+0000)');

/** `POST /v1/notifications` body. */
export const createNotificationBodySchema = z
  .strictObject({
    to: z
      .array(channelSchema)
      .min(1)
      .max(MAX_NOTIFICATION_TARGETS)
      .refine((cs) => new Set(cs).size === cs.length, 'each channel may appear once'),
    type: eventNameSchema,
    title: text().min(1).max(500),
    body: text().max(10_000).optional(),
    data: dataSchema.optional(),
    actionUrl: text()
      .max(2048)
      .refine((u) => /^(https?:\/\/|\/)/.test(u), 'actionUrl is an http(s) URL or a path starting with /')
      .optional(),
    priority: z.enum(PRIORITIES).default('normal'),
    expiresAt: isoTime.optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .meta({
    title: 'CreateNotificationBody',
    examples: [
      {
        to: ['user:alice'],
        type: 'order_ready',
        title: 'Order 42 is ready',
        body: 'Pick it up at the counter',
        data: { orderId: 42 },
        actionUrl: '/orders/42',
        priority: 'high',
        idempotencyKey: 'order-42-ready',
      },
    ],
  });
export type CreateNotificationBody = z.infer<typeof createNotificationBodySchema>;

/** `GET /v1/inbox` query. */
export const inboxQuerySchema = z.strictObject({
  status: z.enum(['unread', 'read', 'all']).default('all'),
  archived: z.enum(['true', 'false', 'all']).default('false'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z
    .string()
    .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'before is the nextCursor of a previous page')
    .optional()
    .describe('the `nextCursor` of the previous page'),
});
export type InboxQuery = z.infer<typeof inboxQuerySchema>;

/** Body of `POST /v1/inbox/read | seen | archive | unarchive | delete` and their socket events. */
export const inboxIdsBodySchema = z
  .strictObject({
    ids: z.array(text().min(1).max(64)).min(1).max(MAX_INBOX_IDS),
  })
  .meta({ title: 'InboxIds', examples: [{ ids: ['01M80J2NHC79QEVP13M73GR49S'] }] });
export type InboxIdsBody = z.infer<typeof inboxIdsBodySchema>;

/** Body of `POST /v1/inbox/read-all` and the `inbox:read-all` event. */
export const inboxReadAllBodySchema = z
  .strictObject({ before: isoTime.optional() })
  .meta({ title: 'InboxReadAllBody', examples: [{ before: '2026-11-22T02:41:42.000Z' }] });
export type InboxReadAllBody = z.infer<typeof inboxReadAllBodySchema>;

/** `PUT /v1/preferences` body. */
export const preferencesBodySchema = z
  .strictObject({
    mutedTypes: z
      .array(eventNameSchema)
      .max(200)
      .transform((ts) => [...new Set(ts)].sort()),
  })
  .meta({ title: 'Preferences', examples: [{ mutedTypes: ['system_alert', 'order_ready'] }] });
export type Preferences = z.infer<typeof preferencesBodySchema>;

