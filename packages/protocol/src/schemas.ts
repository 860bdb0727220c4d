/**
 * zod schemas of every HTTP body, query and socket payload. The server validates with them at the
 * edge; clients may use them to check what they send.
 */
import { z } from 'zod';
import { CHANNEL_PATTERN, isChannelName } from './channel.js';
import { isWithinDepth, MAX_BATCH_ITEMS, MAX_DATA_DEPTH, MAX_SYNC_WAIT_SECONDS, MAX_REPLAY } from './message.js';

/** A channel name: 1–200 chars of `[A-Za-z0-9_.:@-]`. */
export const channelSchema = z
  .string()
  .regex(CHANNEL_PATTERN, 'a channel is 1–200 characters of A-Z a-z 0-9 _ . : @ -');

/** An entry of a token's `channels` claim: an exact channel name or `ns:*` for a whole namespace. */
export const channelGrantSchema = z
  .string()
  .max(200)
  .refine((s) => CHANNEL_PATTERN.test(s) || (s.endsWith(':*') && /^[A-Za-z0-9_.@-]{1,198}$/.test(s.slice(0, -2))), {
    message: 'a channel grant is an exact channel name or `namespace:*`',
  });

/** The `sub` of a client: it names the user's channel `user:{sub}`, so it uses channel characters. */
export const subjectSchema = z.string().regex(/^[A-Za-z0-9_.:@-]{1,195}$/, 'sub is 1–195 characters of A-Z a-z 0-9 _ . : @ -');

/** A role name, as in `role:{role}`. */
export const roleSchema = z.string().regex(/^[A-Za-z0-9_.:@-]{1,195}$/, 'a role is 1–195 characters of A-Z a-z 0-9 _ . : @ -');

/** An application event name such as `order:created`. */
export const eventNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:@/-]{1,100}$/, 'an event name is 1–100 characters of A-Z a-z 0-9 _ . : @ / -');

/** Event names Herald itself publishes (inbox traffic); applications may not publish them. */
export const RESERVED_EVENT_PREFIX = 'notification:';

/** An idempotency key: 1–200 printable ASCII characters. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'an idempotency key is 1–200 printable ASCII characters');

/**
 * Any JSON value nested at most `MAX_DATA_DEPTH` levels: the `data` of a publish or a
 * notification. (Its encoded size, at most `MAX_DATA_BYTES`, is checked when it is encoded.)
 */
export const dataSchema = z
  .unknown()
  .refine((v) => isWithinDepth(v, MAX_DATA_DEPTH), `data may be nested at most ${MAX_DATA_DEPTH} levels deep`);

/** Most channels one publish may name. */
export const MAX_PUBLISH_CHANNELS = 100;

/** `POST /v1/publish` body, and each item of a batch. Exactly one of `channel` or `channels`. */
export const publishBodySchema = z
  .strictObject({
    channel: channelSchema.optional(),
    channels: z
      .array(channelSchema)
      .min(1)
      .max(MAX_PUBLISH_CHANNELS)
      .refine((cs) => new Set(cs).size === cs.length, 'each channel may appear once')
      .optional(),
    event: eventNameSchema,
    data: dataSchema.optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine((b) => (b.channel === undefined) !== (b.channels === undefined), {
    message: 'give exactly one of `channel` or `channels`',
    path: ['channel'],
  })
  .refine((b) => !b.event.startsWith(RESERVED_EVENT_PREFIX), {
    message: `event names starting with "${RESERVED_EVENT_PREFIX}" are reserved for the inbox`,
    path: ['event'],
  })
  .meta({
    title: 'PublishBody',
    description: 'Exactly one of `channel` or `channels`; `event` may not start with `notification:`; `data` missing means null.',
    examples: [{ channels: ['demo:orders', 'role:admin'], event: 'order:created', data: { orderId: 43 }, idempotencyKey: 'order-43-created' }],
  });
export type PublishBody = z.infer<typeof publishBodySchema>;

/** `POST /v1/publish/batch` envelope; each item is checked on its own against `publishBodySchema`. */
export const publishBatchBodySchema = z
  .strictObject({
    items: z.array(z.unknown()).min(1).describe(`1–${MAX_BATCH_ITEMS} publish bodies, each checked and answered on its own`),
  })
  .meta({
    title: 'PublishBatchBody',
    examples: [
      {
        items: [
          { channel: 'demo:orders', event: 'order:updated', data: { orderId: 43, status: 'cooking' } },
          { channel: 'user:demo-user', event: 'points_added', data: { points: 5 }, idempotencyKey: 'pts-1' },
        ],
      },
    ],
  });
export type PublishBatchBody = z.infer<typeof publishBatchBodySchema>;
export { MAX_BATCH_ITEMS };

/** `POST /v1/tokens` body. */
export const mintTokenBodySchema = z
  .strictObject({
    sub: subjectSchema,
    roles: z.array(roleSchema).max(50).optional(),
    channels: z.array(channelGrantSchema).max(100).optional().describe('exact channel names or `namespace:*`'),
    ttlSeconds: z.number().int().min(10).max(30 * 24 * 3600).optional().describe('default 3600'),
  })
  .meta({ title: 'MintTokenBody', examples: [{ sub: 'alice', roles: ['staff'], channels: ['restaurant:7', 'demo:*'], ttlSeconds: 3600 }] });
export type MintTokenBody = z.infer<typeof mintTokenBodySchema>;

/** Query of `GET /v1/channels/{channel}/history`. */
export const historyQuerySchema = z.strictObject({
  since: z.coerce.number().int().min(0).optional().describe('answer the messages with a greater seq; without it, the newest `limit`'),
  limit: z.coerce.number().int().min(1).max(MAX_REPLAY).default(100),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** Params of the channel routes. */
export const channelParamsSchema = z.strictObject({ channel: channelSchema.meta({ examples: ['demo:orders'] }) });

/** One `channel:seq` cursor of `/v1/sync`; a bare channel means "from its head". */
export interface SyncCursor {
  channel: string;
  since: number | undefined;
}

/** Most cursors one `/v1/sync` request may carry. */
export const MAX_SYNC_CURSORS = 200;

/**
 * Parse the `cursors` query of `/v1/sync`: `channel:seq,channel:seq,…`. Channel names may
 * themselves contain `:`, so the seq is what follows the last `:` when it is all digits.
 * A cursor whose seq is empty (`x:`), whose channel is empty (`:5`) or whose seq is beyond
 * `Number.MAX_SAFE_INTEGER` is malformed: the answer is a message, not a guess.
 */
export function parseSyncCursors(raw: string): SyncCursor[] | string {
  const out: SyncCursor[] = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    if (part === '') continue;
    const shown = part.slice(0, 210);
    const colon = part.lastIndexOf(':');
    let channel = part;
    let since: number | undefined;
    if (colon === part.length - 1) return `cursor "${shown}" has no seq after its last ":" (give one, or leave out the ":")`;
    if (colon !== -1 && /^\d+$/.test(part.slice(colon + 1))) {
      channel = part.slice(0, colon);
      since = Number(part.slice(colon + 1));
      if (channel === '') return `cursor "${shown}" has no channel before its seq`;
      if (!Number.isSafeInteger(since)) return `cursor "${shown}" has a seq beyond ${Number.MAX_SAFE_INTEGER}`;
    }
    if (!isChannelName(channel)) return `invalid channel in cursor "${shown}"`;
    if (seen.has(channel)) return `channel "${channel}" appears twice`;
    seen.add(channel);
    out.push({ channel, since });
  }
  if (out.length === 0) return 'give at least one cursor';
  if (out.length > MAX_SYNC_CURSORS) return `at most ${MAX_SYNC_CURSORS} cursors`;
  return out;
}

/** Query of `GET /v1/sync`. */
export const syncQuerySchema = z.strictObject({
  cursors: z
    .string()
    .min(1)
    .max(64 * 1024)
    .meta({
      description: `comma-separated \`channel:seq\` (at most ${MAX_SYNC_CURSORS}); the seq is what follows the last \`:\`; a bare channel means from its head`,
      examples: ['demo:orders:0,user:alice:0'],
    }),
  wait: z.coerce.number().min(0).max(MAX_SYNC_WAIT_SECONDS).default(0).describe('seconds to wait for something new (long-poll)'),
});
export type SyncQuery = z.infer<typeof syncQuerySchema>;

/** Socket `subscribe` payload. */
export const subscribePayloadSchema = z.strictObject({
  channel: channelSchema,
  since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type SubscribePayload = z.infer<typeof subscribePayloadSchema>;

/** Socket `unsubscribe` payload. */
export const unsubscribePayloadSchema = z.strictObject({ channel: channelSchema });
export type UnsubscribePayload = z.infer<typeof unsubscribePayloadSchema>;

/** Socket `auth` payload (and the handshake's `auth`). */
export const authPayloadSchema = z.strictObject({ token: z.string().min(1).max(16 * 1024) });
export type AuthPayload = z.infer<typeof authPayloadSchema>;

/**
 * The handshake's `auth.events`: how the socket receives messages. `envelope` (the default): in
 * `message` / `messages` events. `named`: each message as a Socket.IO event named after its
 * `event`, `(data, { channel, seq, id, ts })`, for code written `socket.on('order:created', …)`.
 * @default 'envelope'
 */
export const eventsModeSchema = z.enum(['envelope', 'named']);
export type EventsMode = z.infer<typeof eventsModeSchema>;

/** Turn zod issues into the `details` of a `VALIDATION_FAILED` error. */
export function validationDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
