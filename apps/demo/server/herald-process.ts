/**
 * Herald as a child process of the demo launcher: spawn it, wait until it is ready, watch it,
 * stop it. Its output is passed through (prefixed) and its last lines kept, so a failed start
 * can show why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface HeraldProcessOptions {
  /** `packages/server/dist/main.js`. */
  mainJs: string;
  /** Its working directory (relative paths in `env` resolve from there). */
  cwd: string;
  /** `HERALD_*` variables (added to the launcher's environment). */
  env: Record<string, string>;
  host: string;
  port: number;
  /** @default 15000 */
  readyTimeoutMs?: number;
}

export interface HeraldProcess {
  /** `http://host:port`. */
  readonly url: string;
  /** Called once if Herald exits before `stop()`. */
  onUnexpectedExit(listener: (description: string) => void): void;
  /** Herald's last output lines. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after 5 s. */
  stop(): Promise<void>;
}

/** Thrown when Herald did not start; the message says why and shows its output. */
export class HeraldStartError extends Error {
  override name = 'HeraldStartError';
}

/** Whether something already accepts connections on host:port. */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `killed by ${signal}` : `exit code ${code}`);

/** Spawn Herald and resolve once `GET /readyz` answers 200. */
export async function startHeraldProcess(options: HeraldProcessOptions): Promise<HeraldProcess> {
  const { mainJs, cwd, env, host, port, readyTimeoutMs = 15_000 } = options;
  const url = `http://${host}:${port}`;
  if (await portInUse(host, port)) {
    throw new HeraldStartError(`Port ${port} is already in use on ${host}; set HERALD_PORT to another port.`);
  }

  const lines: string[] = [];
  // Until it is ready its output is only kept: a failed start shows it once, in the error.
  let live = false;
  const child: ChildProcess = spawn(process.execPath, [mainJs], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (live) process.stderr.write(`[herald] ${line}\n`);
    }
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  const output = () => lines.join('\n');

  let exited: string | undefined;
  let stopping = false;
  let unexpected: ((description: string) => void) | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = describeExit(code, signal);
      resolve();
      if (!stopping) unexpected?.(exited);
    });
  });
  // Whatever ends the launcher, Herald does not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new HeraldStartError(`Herald exited while starting (${exited}). Its output:\n${output() || '(none)'}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new HeraldStartError(`Herald did not answer ${url}/readyz within ${readyTimeoutMs / 1000} s. Its output:\n${output() || '(none)'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  live = true;
  return {
    url,
    onUnexpectedExit(listener) {
      unexpected = listener;
    },
    output,
    stop,
  };
}
