/**
 * HTTP request rates per credential (`HERALD_HTTP_RATE_API_KEY`, `HERALD_HTTP_RATE_TOKEN`), with
 * `@fastify/rate-limit`: requests are counted per `Bearer` value and per node in one-second windows,
 * before the body is read; past the limit the answer is `429 RATE_LIMITED` in Herald's error format,
 * with `Retry-After`. Requests without a credential (health, metrics, refused anyway) are not
 * counted. A Bearer value is a client token when it is shaped like a JWT (`a.b.c`), as the
 * authenticator classifies it; anything else counts as an API key.
 */
import rateLimit from '@fastify/rate-limit';
import { HeraldError } from '@herald/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Limits } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The Bearer value of a request, if it has one. */
function bearerOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
  const value = header.slice(7).trim();
  return value === '' ? undefined : value;
}

/**
 * The key a credential is counted under: its class and its last 64 characters (a JWT's signature,
 * or the API key), so that a counter never holds a whole, possibly 16 KiB, token.
 */
function keyOf(req: FastifyRequest): string {
  const bearer = bearerOf(req);
  if (bearer === undefined) return '';
  return `${JWT_SHAPE.test(bearer) ? 't' : 'k'}:${bearer.slice(-64)}`;
}

/** Register the per-credential rate limits on `app` (before its routes); nothing when both are off. */
export async function registerRateLimits(app: FastifyInstance, limits: Limits, metrics: Metrics): Promise<void> {
  const { httpRateApiKey, httpRateToken } = limits;
  if (httpRateApiKey === 0 && httpRateToken === 0) return;
  const isToken = (key: string) => key.startsWith('t:');
  await app.register(rateLimit, {
    global: true,
    timeWindow: 1000,
    // Counters of this many credentials at once (least recently used go first).
    cache: 20_000,
    keyGenerator: keyOf,
    // Not counted: no credential, or a class whose limit is off.
    allowList: (_req, key) => key === '' || (isToken(key) ? httpRateToken === 0 : httpRateApiKey === 0),
    max: (_req, key) => (isToken(key) ? httpRateToken : httpRateApiKey),
    // Only refusals carry the x-ratelimit-* headers (and Retry-After).
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (req, context) => {
      const token = isToken(keyOf(req));
      metrics.limitRefusals.inc({ limit: token ? 'http_token' : 'http_api_key' });
      return new HeraldError('RATE_LIMITED', `At most ${context.max} requests per second with one ${token ? 'client token' : 'API key'}; retry in ${context.after}`, {
        limit: context.max,
        retryAfterMs: context.ttl,
      });
    },
  });
}
