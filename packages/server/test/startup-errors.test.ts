/**
 * Start-up errors a person can act on (README, Configuration): the built entry point prints
 * `herald: …` on stderr naming the variable and the value at fault, reports every configuration
 * problem at once, exits 1, and shows no stack trace for these expected failures. Needs
 * `npm run build`. Here the message is the feature, so the tests read it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir, testEnv } from './helpers.js';
import { testDatabase } from './pg-database.js';
import { freshPrefix, REDIS_URL } from './redis-admin.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Run main.js to its exit (at most 20 s) with only `env` (plus PATH): its exit code and output. */
async function run(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  expect(fs.existsSync(MAIN), `${MAIN} missing: run npm run build`).toBe(true);
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr, stdout };
}

function expectActionable(r: { code: number | null; stderr: string }, ...parts: string[]) {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^herald: /);
  for (const p of parts) expect(r.stderr).toContain(p);
  // No stack trace for an expected failure.
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A TCP port held by another listener until the test ends. */
async function busyPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

describe('start-up errors', () => {
  it('reports every configuration problem at once, numbers with the bad value and an example', async () => {
    const dir = tempDir();
    const r = await run(
      { NODE_ENV: 'production', HERALD_PORT: 'abc', HERALD_HOST: '999.1.1.1', HERALD_BODY_LIMIT: '12', HERALD_DATABASE_POOL: '1.5', HERALD_WORKERS: '2' },
      dir,
    );
    expectActionable(
      r,
      'HERALD_PORT: "abc"',
      'HERALD_PORT=4700',
      'HERALD_HOST: "999.1.1.1"',
      'HERALD_BODY_LIMIT: "12"',
      '1024',
      'HERALD_DATABASE_POOL: "1.5"',
      // Found after the schema, reported in the same run:
      'HERALD_API_KEYS',
      'HERALD_JWT_SECRET',
      'HERALD_WORKERS=2',
    );
    expect(r.stderr).not.toContain('NaN');
  });

  it('names HERALD_PORT and the port when the port is in use', async () => {
    const dir = tempDir();
    const port = await busyPort();
    const r = await run(testEnv(dir, { HERALD_PORT: String(port), HERALD_LOG_LEVEL: 'warn' }), dir);
    expectActionable(r, `HERALD_PORT=${port}`, `port ${port}`, 'in use');
  });

  it('names HERALD_HOST when the host does not resolve or is not an address of this machine', async () => {
    const dir = tempDir();
    const unresolved = await run(testEnv(dir, { HERALD_HOST: 'no-such-host.invalid', HERALD_LOG_LEVEL: 'warn' }), dir);
    expectActionable(unresolved, 'HERALD_HOST=no-such-host.invalid');
    const foreign = await run(testEnv(dir, { HERALD_HOST: '192.0.2.123', HERALD_LOG_LEVEL: 'warn' }), dir);
    expectActionable(foreign, 'HERALD_HOST=192.0.2.123', 'not an address of this machine');
  });

  it('names HERALD_DATABASE_URL and the path when the SQLite file cannot be created or opened', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a database');
    // Paths that fail for root too: under a file, a directory, a file that is not SQLite.
    for (const db of [path.join(file, 'herald.db'), dir, file]) {
      const r = await run(testEnv(dir, { HERALD_DATABASE_URL: db, HERALD_LOG_LEVEL: 'warn' }), dir);
      expectActionable(r, 'HERALD_DATABASE_URL', db);
    }
  });

  it('in a cluster, the primary names HERALD_PORT when the port is in use', async () => {
    const dir = tempDir();
    const database = await testDatabase();
    const port = await busyPort();
    const r = await run(
      testEnv(dir, {
        HERALD_PORT: String(port),
        HERALD_WORKERS: '2',
        HERALD_DATABASE_URL: database,
        HERALD_REDIS_URL: REDIS_URL,
        HERALD_REDIS_PREFIX: freshPrefix(),
        HERALD_LOG_LEVEL: 'warn',
      }),
      dir,
    );
    expectActionable(r, `HERALD_PORT=${port}`, 'in use');
  });
});
