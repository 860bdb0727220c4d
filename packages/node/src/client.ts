/**
 * `createHerald(options)`: the server-side SDK. Each method is one call of Herald's HTTP API with
 * the API key, retried when the failure may pass, and made safe to retry with idempotency keys.
 */
import { splitBatch } from './batch.js';
import { HeraldBatchError, HeraldError } from './errors.js';
import { newIdempotencyKey } from './idempotency.js';
import { createTransport, type Transport } from './request.js';
import type {
  BatchItemResult,
  CallOptions,
  EventMap,
  HeraldNodeOptions,
  HistoryQuery,
  HistoryResult,
  MintTokenInput,
  MintTokenResult,
  NotifyInput,
  NotifyResult,
  PresenceResult,
  PublishBatchResult,
  PublishInput,
  PublishResult,
  StatsResult,
} from './types.js';

/** The SDK's defaults (see `HeraldNodeOptions`). */
export const DEFAULTS = {
  timeoutMs: 10_000,
  retries: 3,
  backoff: { minMs: 200, maxMs: 5000 },
  maxRetryAfterMs: 30_000,
  maxBatchBytes: 7 * 1024 * 1024,
  userAgent: 'herald-node/0.1',
} as const;

/** A Herald server, seen from your back end. */
export interface HeraldNodeClient<Events extends EventMap = EventMap> {
  /**
   * Store a message on a channel (or on each of several) and deliver it to every entitled client.
   * Resolves once it is durably stored.
   * @example
   * const { messages } = await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: 42 } });
   * // messages: [{ channel: 'restaurant:7', seq: 18, id: '01J…' }]
   */
  publish(input: PublishInput<Events>, options?: CallOptions): Promise<PublishResult>;
  /**
   * Publish many messages: any number of items, sent in order in requests of at most 1000 items
   * (and `maxBatchBytes`), one after another so that seqs on a channel follow the item order. Each
   * item is answered on its own: a refused item does not stop the others.
   * @returns one result per item, in the order of `items`
   * @throws HeraldBatchError when a request fails for good; its `results` hold the items published before it
   * @example
   * const { results } = await herald.publishBatch(orders.map((o) => ({ channel: `restaurant:${o.restaurantId}`, event: 'order:created', data: o })));
   */
  publishBatch(items: readonly PublishInput<Events>[], options?: CallOptions): Promise<PublishBatchResult>;
  /**
   * Create a notification in the inbox of every user entitled to `to`, and push it to their devices.
   * @example
   * await herald.notify({ to: ['user:42'], type: 'order_ready', title: 'Your order is ready', actionUrl: '/orders/42' });
   */
  notify(input: NotifyInput, options?: CallOptions): Promise<NotifyResult>;
  /**
   * Mint a client token (HS256, signed by the server's `HERALD_JWT_SECRET`) for a browser or app.
   * @example
   * const { token, expiresAt } = await herald.mintToken({ sub: 'alice', roles: ['staff'], channels: ['restaurant:7'], ttlSeconds: 3600 });
   */
  mintToken(input: MintTokenInput, options?: CallOptions): Promise<MintTokenResult>;
  /**
   * A channel's stored messages after `since` (ascending, at most `limit`), or its newest `limit`,
   * and its head. Page on with `since` = the last seq received until it reaches `head`.
   * @example
   * const { messages, head } = await herald.history('restaurant:7', { since: 0, limit: 1000 });
   */
  history(channel: string, query?: HistoryQuery, options?: CallOptions): Promise<HistoryResult>;
  /**
   * Who is subscribed to a channel, over every node.
   * @example
   * const { clients, users } = await herald.presence('restaurant:7');
   */
  presence(channel: string, options?: CallOptions): Promise<PresenceResult>;
  /**
   * Connections, subscriptions, nodes and message rates of the whole cluster.
   * @example
   * const { connections, rates } = await herald.stats();
   */
  stats(options?: CallOptions): Promise<StatsResult>;
}

function nonNegative(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`createHerald: ${name} must be a number ≥ ${min} (got ${String(value)})`);
  }
  return value;
}

/** The path of a channel route; the name is percent-encoded (Herald accepts both forms). */
const channelPath = (channel: string, route: 'history' | 'presence') => `/v1/channels/${encodeURIComponent(channel)}/${route}`;

/**
 * Create the SDK for one Herald server. Type `Events` to check `publish`'s event names and data
 * against your event map, the same map `@herald/client` types received messages with.
 * @example
 * type Events = { 'order:created': { id: number }; 'order:updated': { id: number; status: string } };
 * const herald = createHerald<Events>({ url: process.env.HERALD_URL!, apiKey: process.env.HERALD_API_KEY! });
 * await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: 42 } });
 */
export function createHerald<Events extends EventMap = EventMap>(options: HeraldNodeOptions): HeraldNodeClient<Events> {
  if (typeof options?.url !== 'string' || options.url === '') throw new TypeError('createHerald: url is required, e.g. http://127.0.0.1:4700');
  if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('createHerald: apiKey is required (one of the server\'s HERALD_API_KEYS)');
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new TypeError(`createHerald: url is not a URL: ${options.url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`createHerald: url must be http(s): ${options.url}`);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createHerald: no fetch in this runtime; pass options.fetch');

  const minMs = nonNegative('backoff.minMs', options.backoff?.minMs, DEFAULTS.backoff.minMs);
  const transport: Transport = createTransport({
    // Query and fragment of the base URL are dropped: paths are appended to it.
    baseUrl: `${parsed.origin}${parsed.pathname}`,
    apiKey: options.apiKey,
    timeoutMs: nonNegative('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs, 1),
    userAgent: options.userAgent ?? DEFAULTS.userAgent,
    // Unbound, `fetch` may throw "Illegal invocation" in some runtimes.
    fetch: (input, init) => fetchImpl(input, init),
    policy: {
      retries: Math.floor(nonNegative('retries', options.retries, DEFAULTS.retries)),
      minMs,
      maxMs: Math.max(minMs, nonNegative('backoff.maxMs', options.backoff?.maxMs, DEFAULTS.backoff.maxMs)),
      maxRetryAfterMs: nonNegative('maxRetryAfterMs', options.maxRetryAfterMs, DEFAULTS.maxRetryAfterMs),
    },
  });
  const maxBatchBytes = nonNegative('maxBatchBytes', options.maxBatchBytes, DEFAULTS.maxBatchBytes, 1);

  return {
    publish(input, { signal } = {}) {
      // The key is fixed before the first attempt, so every retry is the same request to Herald.
      const body: object = { ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
      return transport.request<PublishResult>('POST', '/v1/publish', JSON.stringify(body), signal);
    },

    async publishBatch(items, { signal } = {}) {
      const results: BatchItemResult[] = [];
      // Sequential on purpose: a channel's seqs follow the item order only if chunk n is stored
      // before chunk n + 1 is sent.
      for (const chunk of splitBatch(items, newIdempotencyKey(), maxBatchBytes)) {
        try {
          const answer = await transport.request<PublishBatchResult>('POST', '/v1/publish/batch', chunk.body, signal);
          results.push(...answer.results);
        } catch (err) {
          if (err instanceof HeraldError) throw new HeraldBatchError(err, results, chunk.start);
          throw err;
        }
      }
      return { results };
    },

    notify(input, { signal } = {}) {
      const { expiresAt, ...rest } = input;
      const body: Record<string, unknown> = { ...rest, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() };
      if (expiresAt !== undefined) body.expiresAt = expiresAt instanceof Date ? expiresAt.toISOString() : expiresAt;
      return transport.request<NotifyResult>('POST', '/v1/notifications', JSON.stringify(body), signal);
    },

    mintToken(input, { signal } = {}) {
      // Minting twice is harmless (two valid tokens), so it needs no key to be retried.
      return transport.request<MintTokenResult>('POST', '/v1/tokens', JSON.stringify(input), signal);
    },

    history(channel, query = {}, { signal } = {}) {
      const params = new URLSearchParams();
      if (query.since !== undefined) params.set('since', String(query.since));
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      const qs = params.toString();
      return transport.request<HistoryResult>('GET', `${channelPath(channel, 'history')}${qs ? `?${qs}` : ''}`, undefined, signal);
    },

    presence(channel, { signal } = {}) {
      return transport.request<PresenceResult>('GET', channelPath(channel, 'presence'), undefined, signal);
    },

    stats({ signal } = {}) {
      return transport.request<StatsResult>('GET', '/v1/stats', undefined, signal);
    },
  };
}
