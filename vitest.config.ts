import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The server tests whose answers come from the store: they run a second time on PostgreSQL
 * (`postgres` project, one fresh database per server). SQLite-only unit tests (writer, tail
 * cache) and tests that do not touch the store run once.
 */
const STORE_TESTS = [
  'publish',
  'retention',
  'restart',
  'sync',
  'subscribe-replay',
  'inbox-*',
  'health',
  'store-contract',
].map((name) => `packages/server/test/${name}.test.ts`);

export default defineConfig({
  resolve: {
    alias: {
      // Tests run the server from source, so the protocol package is read from source too.
      '@herald/protocol': src('./packages/protocol/src/index.ts'),
      '@herald/client': src('./packages/client/src/index.ts'),
      '@herald/react': src('./packages/react/src/index.ts'),
      '@herald/node': src('./packages/node/src/index.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: every test file starts real servers and sockets, so two files at a time, over
    // all projects together.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['packages/*/test/**/*.test.{ts,tsx}', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: STORE_TESTS,
          // PostgreSQL must be there (pg-database.ts fails the tests otherwise, in CI and out of it).
          env: { HERALD_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
