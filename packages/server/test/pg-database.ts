/**
 * Which store the tests run against, and a fresh PostgreSQL database per server or store.
 *
 * `HERALD_TEST_STORE=postgres` (set by the `postgres` vitest project) makes every server of the
 * store-related tests run on its own new database `herald_t_<random>`, created through an admin
 * connection (`HERALD_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`)
 * and dropped when the test ends. A PostgreSQL that cannot be reached fails the test, it never
 * skips it: a green run on the postgres project means the tests ran on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onTestFinished } from 'vitest';

/** The store the current test run exercises. */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.HERALD_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The admin URL tests create and drop databases through. */
export const ADMIN_URL = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Prefix of every database the tests create; anything left with it is a leak. */
export const TEST_DATABASE_PREFIX = 'herald_t_';

/** Run `fn` on a short-lived admin connection. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'herald:test-admin' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `HERALD_TEST_STORE=postgres but PostgreSQL is not reachable at ${ADMIN_URL} (${(err as Error).message}). ` +
        'Start it, point HERALD_TEST_POSTGRES_URL at one, or run only the default project (vitest --project default).',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL of database `name` on the admin URL's server. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A new empty database for the current test, dropped (with any connection left on it) when the
 * test ends. Register it before anything that connects to it, so those close first.
 */
export async function testDatabase(): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(8).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  onTestFinished(() => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined));
  return databaseUrl(name);
}

/** `HERALD_DATABASE_URL` for a test server: a fresh database on PostgreSQL, nothing (the SQLite default) otherwise. */
export async function storeEnv(): Promise<Record<string, string>> {
  return TEST_STORE === 'postgres' ? { HERALD_DATABASE_URL: await testDatabase() } : {};
}
