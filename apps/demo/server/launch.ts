#!/usr/bin/env node
/**
 * `npm run demo` (after the build): start Herald and the demo's back end together, print where
 * to look, and stop both on Ctrl+C.
 *
 * - Herald runs as a child process on `HERALD_PORT` (default 4700) with its SQLite file under
 *   ./data/demo/, deleted at every start: the scenarios' data lives in the back end's memory, so
 *   the channels must start empty too.
 * - The demo's credentials (an API key and a JWT secret) are generated once into
 *   ./data/demo/credentials.json (mode 0600) and never printed.
 * - The back end (API and front end) listens on `DEMO_PORT` (default 4800).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createDemoServer, type DemoServer } from './app.js';
import { HeraldStartError, portInUse, startHeraldProcess, type HeraldProcess } from './herald-process.js';

const HOST = '127.0.0.1';

const here = path.dirname(fileURLToPath(import.meta.url)); // apps/demo/dist/server
const repoRoot = path.resolve(here, '../../../..');
const heraldMain = path.join(repoRoot, 'packages/server/dist/main.js');
const webDir = path.resolve(here, '../web');

const port = z.coerce.number().int().min(1).max(65535);
const envSchema = z.object({ DEMO_PORT: port.default(4800), HERALD_PORT: port.default(4700) });

interface Credentials {
  apiKey: string;
  jwtSecret: string;
}

function fail(message: string): never {
  process.stderr.write(`\ndemo: ${message}\n\n`);
  process.exit(1);
}

/** The demo's credentials, generated on first run. */
function credentials(dataDir: string): Credentials {
  const file = path.join(dataDir, 'credentials.json');
  const schema = z.object({ apiKey: z.string().min(24).regex(/^[^.\s]+$/), jwtSecret: z.string().min(32) });
  if (fs.existsSync(file)) {
    const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  // No dots: Herald takes a Bearer value of three dot-separated parts for a JWT, not a key.
  const created = { apiKey: `hk_demo_${randomBytes(24).toString('base64url')}`, jwtSecret: randomBytes(48).toString('base64url') };
  fs.writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}

function banner(demoUrl: string, heraldUrl: string): string {
  const page = (label: string, p: string, note = '') => `    ${label.padEnd(22)} ${demoUrl}${p}${note}`;
  return [
    '',
    '  Herald demo is running.',
    '',
    page('Start here', '/'),
    '',
    '  1. Restaurant dashboard',
    page('Admin dashboard', '/restaurant/7/admin'),
    page('Customer (order)', '/restaurant/7/order'),
    '  2. Kitchen and table session',
    page('Kitchen display', '/kitchen/7'),
    page('Guest at table 5', '/table/7/5'),
    '  3. Loyalty',
    page('Guest card', '/loyalty/card/c-100'),
    page('Restaurant feed', '/loyalty/restaurant/7'),
    page('Admin feed', '/loyalty/admin'),
    '  4. Queue-driven notifications',
    page('Inbox (a device)', '/inbox/quinn', '   (open it twice)'),
    page('Job queue console', '/inbox/quinn/jobs'),
    '  5. Marketplace',
    page('Client', '/market/client/cleo'),
    page('Provider', '/market/provider/pat'),
    '',
    `  Herald: ${heraldUrl}  (data/demo/herald.db, fresh each run)`,
    '  Ctrl+C stops both.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const { DEMO_PORT, HERALD_PORT } = parsed.data;
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    fail(`the front end is not built (${path.relative(process.cwd(), webDir)}/index.html is missing): run npm run demo, which builds it.`);
  }
  if (!fs.existsSync(heraldMain)) {
    fail(`Herald is not built (${path.relative(process.cwd(), heraldMain)} is missing): run npm run demo, which builds it.`);
  }

  // Before touching data/demo: a demo already running from here would lose its database.
  for (const [name, p] of [['HERALD_PORT', HERALD_PORT], ['DEMO_PORT', DEMO_PORT]] as const) {
    if (await portInUse(HOST, p)) fail(`port ${p} is already in use on ${HOST} (is the demo already running?); set ${name} to another port.`);
  }

  const dataDir = path.resolve('data', 'demo');
  fs.mkdirSync(dataDir, { recursive: true });
  for (const name of fs.readdirSync(dataDir)) {
    if (/^herald\.db(-.*)?$/.test(name)) fs.rmSync(path.join(dataDir, name), { force: true });
  }
  const { apiKey, jwtSecret } = credentials(dataDir);

  const origins = [`http://localhost:${DEMO_PORT}`, `http://127.0.0.1:${DEMO_PORT}`];
  let herald: HeraldProcess;
  try {
    herald = await startHeraldProcess({
      mainJs: heraldMain,
      cwd: process.cwd(),
      host: HOST,
      port: HERALD_PORT,
      env: {
        HERALD_PORT: String(HERALD_PORT),
        HERALD_HOST: HOST,
        HERALD_DATABASE_URL: 'data/demo/herald.db',
        HERALD_API_KEYS: apiKey,
        HERALD_JWT_SECRET: jwtSecret,
        HERALD_CORS_ORIGINS: origins.join(','),
        HERALD_LOG_LEVEL: 'warn',
      },
    });
  } catch (err) {
    if (err instanceof HeraldStartError) fail(err.message);
    throw err;
  }

  let demo: DemoServer | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    await demo?.close().catch(() => undefined);
    await herald.stop();
    process.exit(code);
  };
  herald.onUnexpectedExit((how) => {
    if (stopping) return;
    process.stderr.write(`\ndemo: Herald stopped unexpectedly (${how}). Its last output:\n${herald.output() || '(none)'}\n\n`);
    void shutdown(1);
  });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  demo = createDemoServer({ heraldUrl: herald.url, heraldPublicUrl: herald.url, apiKey, port: DEMO_PORT, host: HOST, webDir });
  try {
    await demo.listen();
  } catch (err) {
    const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    process.stderr.write(`\ndemo: ${busy ? `port ${DEMO_PORT} is already in use; set DEMO_PORT to another port.` : `cannot start: ${String(err)}`}\n\n`);
    await shutdown(1);
    return;
  }
  process.stdout.write(banner(`http://localhost:${DEMO_PORT}`, herald.url));
}

main().catch((err) => {
  process.stderr.write(`demo: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
