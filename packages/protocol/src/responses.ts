/**
 * zod schemas of every HTTP answer body (SPEC §4): the server declares them on its routes, the
 * OpenAPI document at `/docs` is generated from them, and the TypeScript answer types of this
 * package are checked against them at compile time (bottom of this file), so a field added to one
 * and not the other does not build. Examples are the ones of `docs/protocol.md`.
 */
import { z } from 'zod';
import { ERRORS, type ErrorBody, type ErrorCode, type ErrorResponse } from './errors.js';
import type { HistoryResult, Message, PublishedRef } from './message.js';
import { PRIORITIES, type InboxPage, type InboxUpdateResult, type Notification } from './notification.js';
import { channelSchema } from './schemas.js';

const count = () => z.number().int().min(0);
const seq = () => z.number().int().min(1).describe('position on the channel: 1, 2, 3… without gaps');
const ulid = () => z.string().describe('a ULID');
/** ISO 8601, as `Date#toISOString` writes it (a format, not zod's long pattern, in the document). */
const isoTime = () => z.string().meta({ format: 'date-time' });
/** Any JSON value. Not `z.json()`: its recursive JSON Schema says nothing more to a reader. */
const anyJson = () => z.unknown().describe('any JSON value');

/** The message of the examples (docs/protocol.md's tutorial order). */
const EXAMPLE_MESSAGE: Message = {
  id: '01M80J3ZNEZX144TMR73XW8FJG',
  channel: 'demo:orders',
  seq: 1,
  event: 'order:updated',
  data: { orderId: 42, status: 'cooking' },
  ts: 1795315334830,
};

/** Every code of the error catalogue, in catalogue order. */
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/**
 * `{ error: { code, message, details? } }` whose `code` is one of `codes` (every code by default):
 * the answer of a failed request. `details` depends on the code (docs/protocol.md §4).
 * @example errorResponseSchema(['AUTH_REQUIRED', 'AUTH_INVALID']).parse(body)
 */
export function errorResponseSchema(codes: readonly ErrorCode[] = ERROR_CODES) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]).describe('stable: branch on it'),
      message: z.string().describe('for people: may change'),
      details: z.unknown().optional().describe('depends on the code, e.g. [{ path, message }] for VALIDATION_FAILED'),
    }),
  });
}

/** Where a published message landed. */
export const publishedRefSchema = z.object({ channel: channelSchema, seq: seq(), id: ulid() }).meta({ title: 'PublishedRef' });

/** A message as stored and delivered (SPEC §2). */
export const messageSchema = z
  .object({
    id: ulid(),
    channel: channelSchema,
    seq: seq(),
    event: z.string().describe('the application event name'),
    data: anyJson(),
    ts: z.number().int().describe('when Herald stored it, epoch milliseconds'),
  })
  .meta({
    title: 'Message',
    examples: [EXAMPLE_MESSAGE],
  });

/** `POST /v1/publish` answer: one ref per channel, in the order given. */
export const publishResponseSchema = z.object({ messages: z.array(publishedRefSchema) }).meta({
  title: 'PublishResult',
  examples: [
    {
      messages: [
        { channel: 'demo:orders', seq: 1, id: '01M80HRYPX5SYVCRVV7Z9RZJKY' },
        { channel: 'role:admin', seq: 1, id: '01M80HRYPX5SYVCRVV7Z9RZJKZ' },
      ],
    },
  ],
});

/** `POST /v1/publish/batch` answer: per item, its refs or its own error. */
export const publishBatchResponseSchema = z
  .object({
    results: z.array(
      z.union([
        z.object({ messages: z.array(publishedRefSchema) }),
        errorResponseSchema(['VALIDATION_FAILED', 'DATA_TOO_LARGE', 'IDEMPOTENCY_CONFLICT', 'INTERNAL']),
      ]),
    ),
  })
  .meta({
    title: 'PublishBatchResult',
    examples: [
      {
        results: [
          { messages: [{ channel: 'demo:orders', seq: 2, id: '01M80HSM7CJZDMG6EAWQ3148ZK' }] },
          {
            error: {
              code: 'VALIDATION_FAILED',
              message: 'The request does not match the expected shape',
              details: [{ path: 'event', message: 'event names starting with "notification:" are reserved for the inbox' }],
            },
          },
          { messages: [{ channel: 'user:demo-user', seq: 2, id: '01M80HSM7CJZDMG6EAWQ3148ZM' }] },
        ],
      },
    ],
  });

/** `POST /v1/tokens` answer. */
export const mintTokenResponseSchema = z
  .object({ token: z.string().describe('an HS256 client JWT'), expiresAt: z.number().int().describe('epoch milliseconds') })
  .meta({
    title: 'MintedToken',
    examples: [{ token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlcyI6WyJzdGFmZiJdLC…', expiresAt: 1795318942000 }],
  });

/** `GET /v1/channels/{channel}/history` answer. */
export const historyResponseSchema = z
  .object({ messages: z.array(messageSchema), head: count().describe("the channel's highest seq, 0 if never published to") })
  .meta({
    title: 'HistoryResult',
    examples: [
      {
        messages: [EXAMPLE_MESSAGE],
        head: 1,
      },
    ],
  });

/** `GET /v1/channels/{channel}/presence` answer. */
export const presenceResponseSchema = z
  .object({
    clients: count().describe('subscribed sockets, over every node'),
    users: z.array(z.string()).describe('sorted distinct subs (empty for `broadcast` asked with a client token)'),
  })
  .meta({ title: 'Presence', examples: [{ clients: 2, users: ['alice', 'demo-user'] }] });

/** `GET /v1/sync` answer. */
export const syncResponseSchema = z
  .object({
    messages: z.array(messageSchema).describe('per cursor in the order given, the messages after it (at most 1000 per channel)'),
    heads: z.record(z.string(), count()).describe('the head of every channel asked for'),
    reset: z.array(z.string()).describe('channels whose cursor retention no longer reaches (or beyond the head): reload state'),
  })
  .meta({
    title: 'SyncResult',
    examples: [
      {
        messages: [EXAMPLE_MESSAGE],
        heads: { 'demo:orders': 1, 'user:alice': 0 },
        reset: [],
      },
    ],
  });

/** `GET /v1/stats` answer. */
export const statsResponseSchema = z
  .object({
    connections: count(),
    subscriptions: count(),
    nodes: z.number().int().min(1),
    rates: z.object({ publishedPerSecond: z.number().min(0), deliveredPerSecond: z.number().min(0), windowSeconds: z.number().min(0) }),
  })
  .meta({
    title: 'Stats',
    examples: [
      { connections: 2, subscriptions: 7, nodes: 1, rates: { publishedPerSecond: 0.2, deliveredPerSecond: 0, windowSeconds: 60 } },
    ],
  });

/** `GET /healthz` answer. */
export const healthResponseSchema = z.object({ status: z.literal('ok') }).meta({ title: 'Health' });

/** `GET /readyz` answer when ready (otherwise `503 UNAVAILABLE` with `details: { store, bus }`). */
export const readyResponseSchema = z
  .object({ status: z.literal('ready'), store: z.literal(true), bus: z.literal(true) })
  .meta({ title: 'Ready' });

/** A notification as the caller sees it (SPEC §2); the `*At` fields are the caller's own state. */
export const notificationSchema = z
  .object({
    id: ulid(),
    channel: channelSchema,
    type: z.string(),
    title: z.string(),
    body: z.string().optional(),
    data: anyJson().optional(),
    actionUrl: z.string().optional(),
    priority: z.enum(PRIORITIES),
    createdAt: isoTime(),
    expiresAt: isoTime().optional(),
    readAt: isoTime().optional(),
    seenAt: isoTime().optional(),
    archivedAt: isoTime().optional(),
    muted: z.boolean().optional().describe('in inbox answers, when the caller muted this type: show it, but no toast or sound'),
  })
  .meta({
    title: 'Notification',
    examples: [
      {
        id: '01M80J2NHC79QEVP13M73GR49S',
        channel: 'user:alice',
        type: 'order_ready',
        title: 'Order 42 is ready',
        body: 'Pick it up at the counter',
        data: { orderId: 42 },
        actionUrl: '/orders/42',
        priority: 'high',
        createdAt: '2026-11-22T02:41:31.692Z',
        readAt: '2026-11-22T02:41:42.352Z',
      },
    ],
  });

/** `POST /v1/notifications` answer: per target channel, its notification id and message seq. */
export const createNotificationsResponseSchema = z
  .object({ notifications: z.array(z.object({ id: ulid(), channel: channelSchema, seq: seq() })) })
  .meta({
    title: 'CreatedNotifications',
    examples: [{ notifications: [{ id: '01M80J2NHC79QEVP13M73GR49S', channel: 'user:alice', seq: 1 }] }],
  });

/** `GET /v1/inbox` answer: newest first. */
export const inboxPageSchema = z
  .object({
    items: z.array(notificationSchema),
    nextCursor: z.string().nullable().describe('`before` of the next page; null on the last page'),
    unread: count(),
  })
  .meta({
    title: 'InboxPage',
    examples: [
      {
        items: [
          {
            id: '01M80J2NJ8GZ3X08PY73PY5940',
            channel: 'restaurant:7',
            type: 'system_alert',
            title: 'Kitchen printer offline',
            priority: 'normal',
            createdAt: '2026-11-22T02:41:31.720Z',
          },
        ],
        nextCursor: null,
        unread: 1,
      },
    ],
  });

/** `GET /v1/inbox/unread-count` answer. */
export const unreadCountSchema = z.object({ unread: count() }).meta({ title: 'UnreadCount', examples: [{ unread: 2 }] });

/** Answer of every inbox state change. */
export const inboxUpdateResultSchema = z
  .object({ updated: count().describe('ids whose state actually changed'), unread: count() })
  .meta({ title: 'InboxUpdateResult', examples: [{ updated: 1, unread: 1 }] });

/** `GET` / `PUT /v1/preferences` answer. */
export const preferencesResponseSchema = z
  .object({ mutedTypes: z.array(z.string()).describe('sorted, without duplicates') })
  .meta({ title: 'Preferences', examples: [{ mutedTypes: ['order_ready', 'system_alert'] }] });

// ---------------------------------------------------------------------------------------------
// The answer types of this package, checked against the schemas: each pair must be mutually
// assignable, so the types and the documented schemas cannot drift apart.

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;

type _ResponseTypesMatch = [
  Assert<Same<PublishedRef, Out<typeof publishedRefSchema>>>,
  // `data` is `Json` in the type and any JSON value in the schema: the rest must be the same.
  Assert<Same<Omit<Message, 'data'>, Omit<Out<typeof messageSchema>, 'data'>>>,
  Assert<Same<Omit<HistoryResult, 'messages'>, Omit<Out<typeof historyResponseSchema>, 'messages'>>>,
  Assert<Same<Notification, Out<typeof notificationSchema>>>,
  Assert<Same<InboxPage, Out<typeof inboxPageSchema>>>,
  Assert<Same<InboxUpdateResult, Out<typeof inboxUpdateResultSchema>>>,
  Assert<Same<ErrorBody, Out<ReturnType<typeof errorResponseSchema>>['error']>>,
  Assert<Same<ErrorResponse, Out<ReturnType<typeof errorResponseSchema>>>>,
];
