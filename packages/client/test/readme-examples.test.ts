/**
 * The client README's install steps and Node script, run as a newcomer runs them: the marked
 * `npm pack` block in this repository, the marked `npm install` block in a new application
 * folder, then the script saved as written into that folder (so `@herald/client` comes from the
 * installed tarball, not from this workspace) and run with `node` against a real Herald. Its
 * output must be the one the README shows, and a channel the token may not read must end it with
 * `CHANNEL_FORBIDDEN` and status 1 instead of printing nothing.
 *
 * The one substitution is the tarball folder (`/tmp/herald-packages` becomes a temp folder).
 * Needs the built packages (`npm test` builds first) and npm's registry or cache for
 * socket.io-client and zod.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { request, startHerald, tempDir, type Herald } from '../../server/test/helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const README = path.join(REPO, 'packages/client/README.md');
const README_PACKAGES = '/tmp/herald-packages';

/** The code of the block marked `<!-- readme-example: name -->`. */
function example(name: string): string {
  const text = fs.readFileSync(README, 'utf8');
  const found = [...text.matchAll(/<!-- readme-example: ([^>]*?) -->\n```\w*\n([\s\S]*?)```/g)].filter((m) => m[1] === name);
  expect(found, `one block marked "${name}" in ${README}`).toHaveLength(1);
  return found[0]![2]!;
}

/** The environment of a new shell: none of the npm variables of the `npm test` that runs us. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k.startsWith('HERALD_') || k.startsWith('VITEST') || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function bash(code: string, cwd: string): Promise<string> {
  // Quieter, and the cache first; the commands themselves stay as written.
  const env = shellEnv({ npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' });
  try {
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -eo pipefail\n${code}`], { cwd, env, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    throw new Error(`in ${cwd}:\n${code}\nfailed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
}

/** `node watch.mjs <args>` in the application folder; its output so far and its exit. */
function runScript(app: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['watch.mjs', ...args], { cwd: app, env: shellEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

async function until(check: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function demoToken(h: Herald): Promise<string> {
  // The token `npm start` prints for demo-user.
  const res = await request<{ token: string }>(h, 'POST', '/v1/tokens', { sub: 'demo-user', roles: ['admin'], channels: ['demo:*'] });
  expect(res.status).toBe(200);
  return res.body.token;
}

describe('client README', () => {
  it('installs from packed tarballs, and its Node script prints what it shows and reports a refused channel', async () => {
    const dir = tempDir('herald-client-readme-');
    const packages = path.join(dir, 'herald-packages');
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    const local = (code: string) => code.replaceAll(README_PACKAGES, packages);

    await bash(local(example('pack')), REPO);
    await bash(local(example('install')), app);
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/@herald/client/package.json'), 'utf8')) as { name: string };
    expect(installed.name).toBe('@herald/client');
    // Installed as files of its own, not a link back into this repository.
    expect(fs.lstatSync(path.join(app, 'node_modules/@herald/client')).isSymbolicLink()).toBe(false);
    fs.writeFileSync(path.join(app, 'watch.mjs'), example('watch.mjs'));

    const h = await startHerald();
    const env = { HERALD_URL: h.url, HERALD_TOKEN: await demoToken(h) };

    const watch = runScript(app, ['demo:orders'], env);
    // Subscribed once demo-user is present on the channel; a publish before would not be pushed.
    await until(
      async () => ((await request<{ users: string[] }>(h, 'GET', '/v1/channels/demo:orders/presence')).body.users ?? []).includes('demo-user'),
      () => `demo-user on demo:orders\nstdout:\n${watch.stdout()}\nstderr:\n${watch.stderr()}`,
    );
    const published = await request(h, 'POST', '/v1/publish', { channel: 'demo:orders', event: 'order:updated', data: { orderId: 42, status: 'cooking' } });
    expect(published.status).toBe(200);
    const shown = example('watch.mjs output').trim().split('\n');
    await until(() => watch.stdout().trim().split('\n').length >= shown.length, () => `the README's output\nstdout:\n${watch.stdout()}\nstderr:\n${watch.stderr()}`);
    expect(watch.stdout().trim().split('\n')).toEqual(shown);
    watch.child.kill('SIGINT');
    expect(await watch.exit).toBe(0);

    const refused = runScript(app, ['booking:99'], env);
    expect(await refused.exit).toBe(1);
    expect(refused.stderr()).toContain('booking:99: CHANNEL_FORBIDDEN');
  }, 180_000);
});
