/**
 * Herald's HTTP API as a back end uses it: publish, create notifications, mint client tokens,
 * read a channel's head. Every call carries the API key, which never leaves the back end.
 */
import type { Priority, PublishedRef } from '@herald/protocol';

/** `POST /v1/publish`: one message stored once on each channel. */
export interface PublishInput {
  channels: string[];
  event: string;
  data: unknown;
  /** The same key within 24 h returns the original answer and stores nothing new. */
  idempotencyKey: string;
}

/** `POST /v1/notifications`: one stored notification per target channel. */
export interface NotifyInput {
  to: string[];
  type: string;
  title: string;
  body?: string;
  data?: unknown;
  actionUrl?: string;
  /** @default 'normal' */
  priority?: Priority;
  idempotencyKey: string;
}

/** `POST /v1/tokens`: the claims of a client token. */
export interface MintInput {
  sub: string;
  roles?: string[];
  channels?: string[];
  /** @default 3600 */
  ttlSeconds?: number;
}

export interface HeraldApi {
  /** Where each message landed, one ref per channel in the order given. */
  publish(input: PublishInput): Promise<{ messages: PublishedRef[] }>;
  notify(input: NotifyInput): Promise<{ notifications: PublishedRef[] }>;
  /** A client JWT; `expiresAt` is epoch milliseconds. */
  mintToken(input: MintInput): Promise<{ token: string; expiresAt: number }>;
  /** The channel's highest seq (0 when nothing was ever published on it). */
  head(channel: string): Promise<number>;
}

/**
 * A failed call. `code` is Herald's error code (`VALIDATION_FAILED`, `IDEMPOTENCY_CONFLICT`…),
 * `UNREACHABLE` when no answer came (connection refused, timeout), or `BAD_ANSWER` when what
 * came back was not Herald's answer.
 */
export class HeraldApiError extends Error {
  readonly code: string;
  /** HTTP status; 0 when no (usable) answer came. */
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, status: number, message: string, details?: unknown) {
    super(message);
    this.name = 'HeraldApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /**
   * Whether trying again later may succeed: no answer, 5xx or 429. Anything else is a mistake in
   * the request, which the same request repeated would make again.
   */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface HeraldApiOptions {
  /** Herald's base URL as the back end reaches it, e.g. `http://127.0.0.1:4700`. */
  url: string;
  /** One of Herald's `HERALD_API_KEYS`. */
  apiKey: string;
  /** A call with no answer after this long fails as `UNREACHABLE`. @default 10000 */
  timeoutMs?: number;
}

/**
 * @example
 * const herald = createHeraldApi({ url: 'http://127.0.0.1:4700', apiKey: process.env.HERALD_API_KEY! });
 * await herald.publish({ channels: ['restaurant:7:kitchen'], event: 'order:created', data: { order }, idempotencyKey: 'order-42-created' });
 */
export function createHeraldApi({ url, apiKey, timeoutMs = 10_000 }: HeraldApiOptions): HeraldApi {
  const base = url.replace(/\/+$/, '');

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, check?: (answer: any) => boolean): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res: Response;
    let text: string;
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload !== undefined ? { body: payload } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Reading the body belongs here too: an answer cut short is an answer lost.
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new HeraldApiError('UNREACHABLE', 0, `Herald at ${base} did not answer (${cause})`);
    }
    let answer: any;
    try {
      answer = text === '' ? undefined : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (!res.ok) {
      const error = answer?.error;
      throw new HeraldApiError(
        typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
        res.status,
        `${method} ${path} answered ${res.status}${typeof error?.message === 'string' ? `: ${error.message}` : ''}`,
        error?.details,
      );
    }
    // Not Herald's answer (a proxy's page?): treated like no answer, so it is asked again.
    if (answer === undefined || (check && !check(answer))) throw new HeraldApiError('BAD_ANSWER', 0, `${method} ${path}: unexpected answer`);
    return answer as T;
  }

  const refs = (key: string) => (answer: any) =>
    Array.isArray(answer[key]) && answer[key].every((r: any) => typeof r?.channel === 'string' && Number.isInteger(r?.seq));

  return {
    publish: ({ channels, event, data, idempotencyKey }) =>
      call('POST', '/v1/publish', { channels, event, data, idempotencyKey }, refs('messages')),
    notify: (input) => call('POST', '/v1/notifications', input, refs('notifications')),
    mintToken: (input) => call('POST', '/v1/tokens', input, (a) => typeof a.token === 'string'),
    head: async (channel) => {
      const page = await call<{ head: number }>('GET', `/v1/channels/${encodeURIComponent(channel)}/history?limit=1`, undefined, (a) =>
        Number.isInteger(a.head),
      );
      return page.head;
    },
  };
}
