import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      // Tests run the server from source, so the protocol package is read from source too.
      '@herald/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
      '@herald/client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: every test file starts real servers and sockets, so two files at a time.
    maxWorkers: 2,
  },
});
