/**
 * The demo's front end: one page per scenario of SPEC §1, built into `apps/demo/dist/web`, which
 * the demo back end serves. `npm run build:demo` (and `npm run demo`) build it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      // React libraries mark their modules "use client" for React Server Components; a client
      // bundle has no use for the directive, and dropping it is what is expected.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: {
    // `vite` in apps/demo/web for front-end work: the API goes to a running demo back end.
    proxy: { '/api': 'http://127.0.0.1:4800' },
  },
});
