import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // Tests run the server from source, so the protocol package is read from source too.
      '@herald/protocol': src('./packages/protocol/src/index.ts'),
      '@herald/client': src('./packages/client/src/index.ts'),
      '@herald/react': src('./packages/react/src/index.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: every test file starts real servers and sockets, so two files at a time.
    maxWorkers: 2,
  },
});
