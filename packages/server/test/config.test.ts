/**
 * Configuration (SPEC §6, STYLE rule 4): parsed once, frozen, and a bad value stops start-up with
 * a `ConfigError` whose message names the variable.
 */
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
  ])('refuses %s with a ConfigError naming the variable', (_what, override, variable) => {
    const dir = tempDir();
    const err = configErrorOf({ ...testEnv(dir), ...override }, dir);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain(variable);
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
