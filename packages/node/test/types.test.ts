/**
 * The event-map typing, checked by the compiler: `tsc` over `typed-events.ts`, which holds the
 * `@ts-expect-error` cases (tsc fails on one that is no longer an error). vitest strips types
 * without checking them, so this test is what makes a typing regression fail the suite. It reads
 * the built declarations of `@herald/protocol` and `@herald/client`: `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

it('publish is typed by the event map, as the client types what it receives (tsc)', () => {
  const tsc = path.join(root, 'node_modules/.bin/tsc');
  const run = spawnSync(tsc, ['-p', path.join(here, 'tsconfig.types.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(run.error).toBeUndefined();
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
}, 120_000);
