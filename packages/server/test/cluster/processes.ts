/**
 * Real processes for the cluster tests: the built Herald binary, `redis-server`, `nginx`. Each is
 * killed when the current test ends, whatever happened (`onTestFinished`), and its output is kept
 * for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The built entry point (`npm run build`). */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Fail with a clear message when the build is missing. */
export function requireBuild(): void {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} missing: run npm run build`);
}

/** The environment of the shell, without any HERALD_* variable, NODE_ENV or vitest's own. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HERALD_') || k === 'NODE_ENV' || k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** A port nothing listens on right now (the OS picks it; it is free again when this resolves). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A process started for the current test. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: () => boolean;
  /** Send a signal; resolves when it exited, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait until its output matches `pattern`; fails early if it exits. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/**
 * Start `command` with `args`; it is stopped (SIGTERM, then SIGKILL) when the test ends.
 * @example const redis = spawnProc('redis', 'redis-server', ['--port', '0'])
 */
export function spawnProc(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let running = true;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      running = false;
      out += `\n[spawn error] ${err.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => out,
    exited,
    running: () => running,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (running) child.kill(signal);
      const timer = setTimeout(() => running && child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    async waitForOutput(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (!running) throw new Error(`${name} exited before printing ${pattern}\n${tail(out)}`);
        if (Date.now() > deadline) throw new Error(`${name} printed no ${pattern} within ${ms} ms\n${tail(out)}`);
        await sleep(25);
      }
    },
  };
  onTestFinished(async () => {
    await proc.stop('SIGTERM', 3000);
  });
  return proc;
}

/** The last lines of a process's output, for error messages. */
export const tail = (text: string, lines = 40) => text.split('\n').slice(-lines).join('\n');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Poll `url` until it answers `status` (default 200); fails after `ms`, showing `proc`'s output.
 */
export async function waitForHttp(url: string, opts: { ms?: number; status?: number; proc?: Proc } = {}): Promise<void> {
  const deadline = Date.now() + (opts.ms ?? 20_000);
  let last = '';
  for (;;) {
    if (opts.proc && !opts.proc.running()) throw new Error(`${opts.proc.name} exited while waiting for ${url}\n${tail(opts.proc.output())}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === (opts.status ?? 200)) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${opts.status ?? 200} (last: ${last})${opts.proc ? `\n${tail(opts.proc.output())}` : ''}`);
    await sleep(50);
  }
}
