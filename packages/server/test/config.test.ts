/**
 * Configuration (SPEC §6, STYLE rule 4): parsed once, frozen, and a bad value stops start-up with
 * a `ConfigError` whose message names the variable.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/index.js';
import { tempDir, testEnv } from './helpers.js';

/** The error `parseConfig` throws for `env` (fails the test when it does not throw). */
function configErrorOf(env: Record<string, string | undefined>, cwd: string): Error {
  try {
    parseConfig(env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

describe('parseConfig', () => {
  it('accepts a complete environment and returns a frozen config with the parsed values', () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const config = parseConfig(env, dir);
    expect(config.port).toBe(0);
    expect(config.host).toBe('127.0.0.1');
    expect(config.apiKeys).toEqual([env.HERALD_API_KEYS]);
    expect(config.database).toEqual({ kind: 'sqlite', file: env.HERALD_DATABASE_URL });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('resolves a relative SQLite path against the given cwd', () => {
    const dir = tempDir();
    const config = parseConfig(testEnv(dir, { HERALD_DATABASE_URL: './data/x.db' }), dir);
    expect(config.database).toEqual({ kind: 'sqlite', file: `${dir}/data/x.db` });
  });

  it.each([
    ['a non-numeric HERALD_PORT', { HERALD_PORT: 'abc' }, 'HERALD_PORT'],
    ['an out-of-range HERALD_PORT', { HERALD_PORT: '70000' }, 'HERALD_PORT'],
    ['a negative HERALD_PORT', { HERALD_PORT: '-1' }, 'HERALD_PORT'],
    ['a JWT secret shorter than 32 characters', { HERALD_JWT_SECRET: 'short-secret' }, 'HERALD_JWT_SECRET'],
    ['an API key shorter than 24 characters', { HERALD_API_KEYS: 'tooshort' }, 'HERALD_API_KEYS'],
    ['a HERALD_HISTORY_TTL that is not a duration', { HERALD_HISTORY_TTL: 'user=forever' }, 'HERALD_HISTORY_TTL'],
    ['a HERALD_HISTORY_TTL that is not namespace=duration', { HERALD_HISTORY_TTL: 'bogus' }, 'HERALD_HISTORY_TTL'],
    ['a HERALD_HISTORY_SIZE that is not a count', { HERALD_HISTORY_SIZE: 'user=lots' }, 'HERALD_HISTORY_SIZE'],
    ['an unknown HERALD_LOG_LEVEL', { HERALD_LOG_LEVEL: 'loud' }, 'HERALD_LOG_LEVEL'],
    ['a HERALD_CORS_ORIGINS entry that is not an origin', { HERALD_CORS_ORIGINS: 'example.com' }, 'HERALD_CORS_ORIGINS'],
    ['a HERALD_DATABASE_URL with an unknown scheme', { HERALD_DATABASE_URL: 'mysql://localhost/db' }, 'HERALD_DATABASE_URL'],
    ['HERALD_WORKERS that is not a count', { HERALD_WORKERS: 'many' }, 'HERALD_WORKERS'],
    ['HERALD_WORKERS of 0', { HERALD_WORKERS: '0' }, 'HERALD_WORKERS'],
    ['several workers on SQLite', { HERALD_WORKERS: '2' }, 'SQLite is single-process'],
    ['several workers without Redis', { HERALD_WORKERS: '2', HERALD_DATABASE_URL: 'postgres://localhost/herald' }, 'HERALD_REDIS_URL'],
    ['Redis beside SQLite', { HERALD_REDIS_URL: 'redis://127.0.0.1:6379' }, 'HERALD_REDIS_URL'],
    ['a HERALD_REDIS_URL that is not redis://', { HERALD_REDIS_URL: 'http://127.0.0.1:6379' }, 'HERALD_REDIS_URL'],
    ['a HERALD_NODE_ID with spaces', { HERALD_NODE_ID: 'node one' }, 'HERALD_NODE_ID'],
  ])('refuses %s with a ConfigError naming the variable', (_what, override, variable) => {
    const dir = tempDir();
    const err = configErrorOf({ ...testEnv(dir), ...override }, dir);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain(variable);
  });

  it('accepts PostgreSQL, Redis and several workers together (auto = one per core)', () => {
    const dir = tempDir();
    const scaled = {
      HERALD_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/herald',
      HERALD_REDIS_URL: 'redis://127.0.0.1:6379',
      HERALD_NODE_ID: 'node-a',
    };
    const config = parseConfig({ ...testEnv(dir), ...scaled, HERALD_WORKERS: '3' }, dir);
    expect(config.database).toEqual({ kind: 'postgres', url: scaled.HERALD_DATABASE_URL, poolSize: 10 });
    expect(config.redisUrl).toBe(scaled.HERALD_REDIS_URL);
    expect(config.workers).toBe(3);
    expect(config.nodeId).toBe('node-a');
    expect(parseConfig({ ...testEnv(dir), ...scaled, HERALD_WORKERS: 'auto' }, dir).workers).toBe(os.availableParallelism());
    expect(parseConfig(testEnv(dir), dir).workers).toBe(1);
  });

  it('refuses an environment without API keys, naming HERALD_API_KEYS', () => {
    const dir = tempDir();
    const env: Record<string, string | undefined> = testEnv(dir);
    delete env.HERALD_API_KEYS;
    const err = configErrorOf(env, dir);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('HERALD_API_KEYS');
  });

  it('refuses an environment with neither a JWT secret nor a JWKS URL, naming HERALD_JWT_SECRET', () => {
    const dir = tempDir();
    const env: Record<string, string | undefined> = testEnv(dir);
    delete env.HERALD_JWT_SECRET;
    const err = configErrorOf(env, dir);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('HERALD_JWT_SECRET');
  });
});
