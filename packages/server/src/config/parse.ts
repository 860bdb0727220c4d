import { DEFAULT_RETENTION, type HeraldConfig, type RetentionRule } from './schema.js';
import { validateEnv } from './validate.js';

export { ConfigError } from './validate.js';

/**
 * Parse and validate the environment into a frozen `HeraldConfig`.
 * Throws `ConfigError` naming every bad variable at once (see `validateEnv`).
 * @example parseConfig({ HERALD_PORT: '0', HERALD_JWT_SECRET: '…', HERALD_API_KEYS: '…' })
 */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): HeraldConfig {
  const herald = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('HERALD_') && v !== ''));
  const { e, database, workers } = validateEnv(herald, cwd);
  const retention: Record<string, RetentionRule> = {};
  const namespaces = new Set([...Object.keys(DEFAULT_RETENTION), ...Object.keys(e.HERALD_HISTORY_TTL), ...Object.keys(e.HERALD_HISTORY_SIZE)]);
  for (const ns of namespaces) {
    const base = DEFAULT_RETENTION[ns] ?? DEFAULT_RETENTION['*'];
    const fallback = e.HERALD_HISTORY_TTL['*'] !== undefined && DEFAULT_RETENTION[ns] === undefined ? e.HERALD_HISTORY_TTL['*'] : base.ttlMs;
    retention[ns] = Object.freeze({
      ttlMs: e.HERALD_HISTORY_TTL[ns] ?? fallback,
      maxCount: e.HERALD_HISTORY_SIZE[ns] ?? e.HERALD_HISTORY_SIZE['*'] ?? base.maxCount,
    });
  }
  const config: HeraldConfig = {
    port: e.HERALD_PORT,
    host: e.HERALD_HOST,
    database,
    redisUrl: e.HERALD_REDIS_URL,
    redisPrefix: e.HERALD_REDIS_PREFIX,
    nodeId: e.HERALD_NODE_ID,
    workers,
    jwt: Object.freeze({
      secret: e.HERALD_JWT_SECRET,
      jwksUrl: e.HERALD_JWKS_URL,
      issuer: e.HERALD_JWT_ISSUER,
      audience: e.HERALD_JWT_AUDIENCE,
    }),
    apiKeys: Object.freeze([...e.HERALD_API_KEYS]),
    corsOrigins: e.HERALD_CORS_ORIGINS === '*' ? '*' : Object.freeze([...(e.HERALD_CORS_ORIGINS ?? [])]),
    retention: Object.freeze(retention) as HeraldConfig['retention'],
    retentionIntervalMs: e.HERALD_RETENTION_INTERVAL,
    logLevel: e.HERALD_LOG_LEVEL,
    bodyLimit: e.HERALD_BODY_LIMIT,
    requestTimeoutMs: e.HERALD_HTTP_REQUEST_TIMEOUT,
    limits: Object.freeze({
      socketBufferBytes: e.HERALD_SOCKET_BUFFER_LIMIT,
      subscriptionsPerSocket: e.HERALD_SUBSCRIPTIONS_PER_SOCKET,
      connectionsPerUser: e.HERALD_CONNECTIONS_PER_USER,
      socketEventRate: e.HERALD_SOCKET_EVENT_RATE,
      socketEventBurst: e.HERALD_SOCKET_EVENT_BURST,
      httpRateApiKey: e.HERALD_HTTP_RATE_API_KEY,
      httpRateToken: e.HERALD_HTTP_RATE_TOKEN,
    }),
  };
  return Object.freeze(config);
}

