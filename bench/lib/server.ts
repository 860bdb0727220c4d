/** Start a built Herald node as a child process (its own CPU and heap, like production). */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));

export interface HeraldProcess {
  url: string;
  apiKey: string;
  jwtSecret: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startHerald(env: Record<string, string> = {}): Promise<HeraldProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  const apiKey = `hk_bench_${randomBytes(18).toString('base64url')}`;
  const jwtSecret = randomBytes(32).toString('base64url');
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HERALD_PORT: '0',
      HERALD_HOST: '127.0.0.1',
      HERALD_API_KEYS: apiKey,
      HERALD_JWT_SECRET: jwtSecret,
      HERALD_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        const m = /"url":"(http:[^"]+)"/.exec(line);
        if (m) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve(m[1]!);
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Herald exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url,
    apiKey,
    jwtSecret,
    pid: child.pid!,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
