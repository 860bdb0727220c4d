/**
 * Browser tests of the demo and the React components, in Debian's Chromium (`/usr/bin/chromium`;
 * Playwright's own browser download does not work here). Each test starts its own Herald and demo
 * back end (see `fixtures.ts`). `npm test` runs them after the unit suites.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  projects: [
    // `npm test` runs this one.
    { name: 'e2e', testMatch: '*.spec.ts' },
    // The PNGs under docs/ (`npm run screenshots`): not a test.
    { name: 'screenshots', testMatch: '*.shots.ts' },
  ],
  // Two cores shared by Chromium, Herald and the back end: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: '../../../test-results/e2e',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    },
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
