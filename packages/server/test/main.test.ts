/**
 * The built entry point (SPEC §6): with nothing configured it starts with dev defaults it
 * prints once (URL, API key, a curl example, a client token), keeps them under ./data/, serves
 * on the printed URL, and exits 0 on SIGTERM. Needs `npm run build` (done by `npm test`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The environment of the shell, without any HERALD_* variable and without NODE_ENV. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HERALD_') || k === 'NODE_ENV' || k.startsWith('VITEST') || k === 'TEST') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

describe('node packages/server/dist/main.js', () => {
  it('starts with printed dev defaults, stores them under ./data, serves the printed URL and exits 0 on SIGTERM', async () => {
    expect(fs.existsSync(MAIN), `${MAIN} missing: run npm run build`).toBe(true);
    const cwd = tempDir('herald-main-');
    const child = spawn(process.execPath, [MAIN], { cwd, env: cleanEnv({ HERALD_PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );
    onTestFinished(async () => {
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

    const banner = () => /http:\/\/[^\s"']+:\d+/.test(stdout) && /hk_dev_/.test(stdout) && /curl/.test(stdout) && /eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(stdout);
    const deadline = Date.now() + 15_000;
    while (!banner()) {
      if (exited) throw new Error(`main.js exited early\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no banner within 15 s\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const credentialsFile = path.join(cwd, 'data', 'dev-credentials.json');
    expect(fs.existsSync(credentialsFile)).toBe(true);
    const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { apiKey: string; jwtSecret: string };
    expect(credentials.apiKey).toMatch(/^hk_dev_/);
    expect(stdout).toContain(credentials.apiKey);

    // The banner's URL is the real address (port 0 was replaced by the bound port).
    const url = /http:\/\/[^\s"'/]+:(\d+)/.exec(stdout)!;
    const port = Number(url[1]);
    expect(port).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    // The printed API key and token work against it.
    const published = await fetch(`http://127.0.0.1:${port}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'broadcast', event: 'hello', data: null }),
    });
    expect(published.status).toBe(200);
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(stdout)![0];
    const synced = await fetch(`http://127.0.0.1:${port}/v1/sync?cursors=broadcast:0`, { headers: { authorization: `Bearer ${token}` } });
    expect(synced.status).toBe(200);
    expect(((await synced.json()) as { heads: Record<string, number> }).heads).toEqual({ broadcast: 1 });

    const signalled = Date.now();
    child.kill('SIGTERM');
    const result = await Promise.race([exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(result, `stderr:\n${stderr}`).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5000);
  });
});
