/**
 * Herald's configuration: every `HERALD_*` variable, its default and its validation.
 * Parsed once at start (see `parseConfig`), frozen and passed down; no other module reads the
 * environment.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const DAY = 86_400_000;

/** Retention of one namespace: messages older than `ttlMs`, or beyond the newest `maxCount`, go. */
export interface RetentionRule {
  ttlMs: number;
  maxCount: number;
}

/** Retention per namespace, with `*` for every namespace not named. */
export type RetentionRules = Readonly<Record<string, RetentionRule>> & { readonly '*': RetentionRule };

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  /** `poolSize`: most connections this process opens (`HERALD_DATABASE_POOL`). @default 10 */
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number };

export interface HeraldConfig {
  /** TCP port. @default 4700 */
  readonly port: number;
  /** Interface to listen on. @default '0.0.0.0' */
  readonly host: string;
  /** Where messages live. @default embedded SQLite at ./data/herald.db */
  readonly database: DatabaseConfig;
  /** Redis for scale-out; unset: single node with an in-process bus. */
  readonly redisUrl: string | undefined;
  /**
   * Prefix of every Redis key and pub/sub channel, so several Herald clusters (or test runs) can
   * share one Redis. @default 'herald:'
   */
  readonly redisPrefix: string;
  /**
   * This node's name in the cluster (logs, `/v1/stats`). @default `<hostname>-<pid>-<random>`
   */
  readonly nodeId: string | undefined;
  /**
   * Worker processes on this machine sharing `port` (`HERALD_WORKERS`, `auto` = one per core).
   * More than one needs PostgreSQL and Redis. @default 1
   */
  readonly workers: number;
  readonly jwt: {
    /** HS256 shared secret (at least 32 characters). */
    readonly secret: string | undefined;
    /** JWKS URL for RS256 / ES256 tokens of an identity provider. */
    readonly jwksUrl: string | undefined;
    /** Required `iss`, when set. */
    readonly issuer: string | undefined;
    /** Required `aud`, when set. */
    readonly audience: string | undefined;
  };
  /** Server API keys accepted as `Authorization: Bearer <key>`. */
  readonly apiKeys: readonly string[];
  /** Origins allowed cross-origin (HTTP and Socket.IO); `*` for any. @default none */
  readonly corsOrigins: readonly string[] | '*';
  /** Message retention per namespace. */
  readonly retention: RetentionRules;
  /** How often retention runs, ms. @default 60000 */
  readonly retentionIntervalMs: number;
  /** pino level. @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest HTTP body, bytes. @default 8 MiB */
  readonly bodyLimit: number;
  /**
   * How long a client may take to send a whole request, headers and body
   * (`HERALD_HTTP_REQUEST_TIMEOUT`); past it `408 REQUEST_TIMEOUT` and the connection closes. A
   * connection that trickles its request in (slowloris) holds a socket no longer than this. Not
   * the time to answer: a long-poll's request arrives at once and then waits up to 25 s.
   * @default 60000
   */
  readonly requestTimeoutMs: number;
  /** Per-socket, per-user and per-credential limits against abuse (0 turns one off). */
  readonly limits: Limits;
}

/**
 * Limits against one client hurting the others (docs/protocol.md §6). Each one reached is counted
 * in `herald_limit_refusals_total{limit}`; 0 turns a limit off.
 */
export interface Limits {
  /**
   * Bytes that may wait on the server for one socket (its TCP stream's buffer and engine.io's
   * queue) before it is disconnected as a slow consumer (`HERALD_SOCKET_BUFFER_LIMIT`).
   * @default 4 MiB
   */
  readonly socketBufferBytes: number;
  /** Channels one socket may subscribe to, its inbox channels included (`HERALD_SUBSCRIPTIONS_PER_SOCKET`). @default 1000 */
  readonly subscriptionsPerSocket: number;
  /** Open sockets of one `sub` on this node (`HERALD_CONNECTIONS_PER_USER`). @default 100 */
  readonly connectionsPerUser: number;
  /** Events per second one socket may send, on average (`HERALD_SOCKET_EVENT_RATE`). @default 100 */
  readonly socketEventRate: number;
  /**
   * Events one socket may send at once above the average (`HERALD_SOCKET_EVENT_BURST`): as many as
   * it may hold subscriptions, since a client that reconnects subscribes to all of them at once.
   * @default 1000
   */
  readonly socketEventBurst: number;
  /**
   * HTTP requests per second per API key (`HERALD_HTTP_RATE_API_KEY`). Off by default: API keys
   * belong to the application's own back end, which publishes tens of thousands per second.
   * @default 0
   */
  readonly httpRateApiKey: number;
  /**
   * HTTP requests per second per client token (`HERALD_HTTP_RATE_TOKEN`): above a client paging
   * through history as fast as it is answered (a page of 1000 messages takes a few ms).
   * @default 200
   */
  readonly httpRateToken: number;
}

export const DEFAULT_RETENTION: RetentionRules = {
  '*': { ttlMs: DAY, maxCount: 100_000 },
  user: { ttlMs: 30 * DAY, maxCount: 100_000 },
  role: { ttlMs: 30 * DAY, maxCount: 100_000 },
  broadcast: { ttlMs: 30 * DAY, maxCount: 100_000 },
};

const csv = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

const namespaceKey = /^(\*|[A-Za-z0-9_.@-]{1,100})$/;

/** `user=30d,*=24h` → { user: 30d, '*': 24h } (values parsed by `parse`). */
function namespaceMap<T>(raw: string, parse: (v: string) => T | undefined, ctx: z.RefinementCtx, what: string, example: string) {
  const out: Record<string, T> = {};
  for (const entry of csv(raw)) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? '*' : entry.slice(0, eq).trim();
    const value = parse(eq === -1 ? entry : entry.slice(eq + 1).trim());
    if (!namespaceKey.test(key) || value === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not namespace=${what} (e.g. ${example})` });
      return z.NEVER;
    }
    out[key] = value;
  }
  return out;
}

/** An IPv4 or IPv6 address, or a name that could resolve (`999.1.1.1` is neither). */
function isHostSyntax(host: string): boolean {
  if (isIP(host) !== 0) return true;
  if (/^[\d.]+$/.test(host)) return false;
  return /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(host);
}

const port = z.coerce.number().int().min(0).max(65535);
/** A limit of `Limits`: a whole number ≥ 0, 0 turning it off. */
const limit = (fallback: number) => z.coerce.number().int().min(0).max(2 ** 40).default(fallback);

/** The environment schema: one entry per variable, each with its default. */
export const envSchema = z.object({
  HERALD_PORT: port.default(4700),
  HERALD_HOST: z
    .string()
    .default('0.0.0.0')
    .refine(isHostSyntax, { error: (i) => `${JSON.stringify(i.input)} is not an IP address or a host name (e.g. HERALD_HOST=0.0.0.0 for every interface, HERALD_HOST=127.0.0.1 for this machine only)` }),
  HERALD_DATABASE_URL: z.string().min(1).default('./data/herald.db'),
  HERALD_REDIS_URL: z
    .string()
    .url()
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .optional(),
  HERALD_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : - { }')
    .default('herald:'),
  HERALD_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : -')
    .optional(),
  HERALD_WORKERS: z
    .string()
    .default('1')
    .transform((s, ctx) => {
      if (s.trim() === 'auto') return 'auto' as const;
      if (!/^\d{1,3}$/.test(s.trim()) || Number(s) < 1 || Number(s) > 256) {
        ctx.addIssue({ code: 'custom', message: `"${s}" is not a number of workers from 1 to 256 or auto (e.g. HERALD_WORKERS=4)` });
        return z.NEVER;
      }
      return Number(s);
    }),
  HERALD_DATABASE_POOL: z.coerce.number().int().min(1).max(1000).default(10),
  HERALD_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  HERALD_JWKS_URL: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http(s) URL').optional(),
  HERALD_JWT_ISSUER: z.string().min(1).optional(),
  HERALD_JWT_AUDIENCE: z.string().min(1).optional(),
  HERALD_API_KEYS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const keys = csv(s);
      for (const k of keys) {
        if (k.length < 24 || !/^[\x21-\x7e]+$/.test(k)) {
          ctx.addIssue({ code: 'custom', message: 'each key must be at least 24 printable characters, comma-separated' });
          return z.NEVER;
        }
      }
      return keys;
    }),
  HERALD_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s, ctx): string[] | '*' => {
      if (s?.trim() === '*') return '*';
      const origins = csv(s);
      for (const o of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(o)) {
          ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin such as https://app.example.com` });
          return z.NEVER;
        }
      }
      return origins;
    }),
  HERALD_HISTORY_TTL: z
    .string()
    .default('')
    .transform((s, ctx) => namespaceMap(s, parseDuration, ctx, 'duration', 'user=30d,*=24h')),
  HERALD_HISTORY_SIZE: z
    .string()
    .default('')
    .transform((s, ctx) =>
      namespaceMap(s, (v) => (/^\d{1,10}$/.test(v) && Number(v) > 0 ? Number(v) : undefined), ctx, 'count', 'user=100000,*=10000'),
    ),
  HERALD_RETENTION_INTERVAL: z
    .string()
    .default('60s')
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 60s' });
        return z.NEVER;
      }
      return ms;
    }),
  HERALD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HERALD_BODY_LIMIT: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
  HERALD_HTTP_REQUEST_TIMEOUT: z
    .string()
    .default('60s')
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms < 1000 || ms > 3_600_000) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration from 1s to 1h, such as 60s' });
        return z.NEVER;
      }
      return ms;
    }),
  HERALD_SOCKET_BUFFER_LIMIT: limit(4 * 1024 * 1024),
  HERALD_SUBSCRIPTIONS_PER_SOCKET: limit(1000),
  HERALD_CONNECTIONS_PER_USER: limit(100),
  HERALD_SOCKET_EVENT_RATE: limit(100),
  HERALD_SOCKET_EVENT_BURST: limit(1000),
  HERALD_HTTP_RATE_API_KEY: limit(0),
  HERALD_HTTP_RATE_TOKEN: limit(200),
});

export type HeraldEnv = z.input<typeof envSchema>;
