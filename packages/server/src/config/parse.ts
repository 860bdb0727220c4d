import { availableParallelism } from 'node:os';
import path from 'node:path';
import { DEFAULT_RETENTION, envSchema, type DatabaseConfig, type HeraldConfig, type RetentionRule } from './schema.js';

/** Start-up stops with this error when a variable is wrong; its message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function databaseFrom(url: string, cwd: string, poolSize: number): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(url)) return Object.freeze({ kind: 'postgres', url, poolSize });
  const file = url.replace(/^sqlite:(\/\/)?/, '').replace(/^file:/, '');
  if (file === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new ConfigError(`HERALD_DATABASE_URL: "${url}" is neither a SQLite file path nor a postgres:// URL`);
  }
  return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(cwd, file) };
}

/**
 * Parse and validate the environment into a frozen `HeraldConfig`.
 * Throws `ConfigError` naming the first bad variable.
 * @example parseConfig({ HERALD_PORT: '0', HERALD_JWT_SECRET: '…', HERALD_API_KEYS: '…' })
 */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): HeraldConfig {
  const herald = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('HERALD_') && v !== ''));
  const parsed = envSchema.safeParse(herald);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (!e.HERALD_JWT_SECRET && !e.HERALD_JWKS_URL) {
    throw new ConfigError('HERALD_JWT_SECRET or HERALD_JWKS_URL: one is required to verify client tokens');
  }
  if (!e.HERALD_API_KEYS || e.HERALD_API_KEYS.length === 0) {
    throw new ConfigError('HERALD_API_KEYS: at least one API key is required for server routes');
  }
  const database = databaseFrom(e.HERALD_DATABASE_URL, cwd, e.HERALD_DATABASE_POOL);
  const workers = e.HERALD_WORKERS === 'auto' ? availableParallelism() : e.HERALD_WORKERS;
  if (workers > 1 && database.kind === 'sqlite') {
    throw new ConfigError(
      `HERALD_WORKERS=${e.HERALD_WORKERS}: SQLite is single-process; run one worker, or set HERALD_DATABASE_URL=postgres://… and HERALD_REDIS_URL=redis://… for several`,
    );
  }
  if (workers > 1 && !e.HERALD_REDIS_URL) {
    throw new ConfigError(`HERALD_WORKERS=${e.HERALD_WORKERS}: several workers deliver each other's messages through Redis; set HERALD_REDIS_URL=redis://…`);
  }
  if (e.HERALD_REDIS_URL && database.kind === 'sqlite') {
    throw new ConfigError(
      'HERALD_REDIS_URL: several nodes must share one database, and SQLite is a file of one process; set HERALD_DATABASE_URL=postgres://… too',
    );
  }
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
  };
  return Object.freeze(config);
}

