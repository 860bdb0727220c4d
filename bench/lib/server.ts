/**
 * Servers under test run as child processes (their own CPU and heap, like production), all
 * preloaded with `heap-probe.mjs` so their memory is read the same way. Herald is started from its
 * build; the baselines from `bench/baselines/`; Soketi from `bench/peers/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `process.memoryUsage()` of a server, taken right after a full GC. */
export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface ServerProcess {
  /** Base HTTP URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly pid: number;
  /** Working directory of the process (removed by `stop()`). */
  readonly dir: string;
  /** Collect garbage in the server and read its memory usage. */
  memory(): Promise<MemoryUsage>;
  stop(): Promise<void>;
}

export interface HeraldProcess extends ServerProcess {
  readonly apiKey: string;
  readonly jwtSecret: string;
  /** Stop the process and start it again on the same port and database (a deploy, a crash). */
  restart(options?: { beforeStart?: () => Promise<void> }): Promise<void>;
  /**
   * Stop without starting again yet; `start()` brings it back on the same port and database.
   * `SIGKILL` is a crash: no goodbye to the cluster, sockets reset by the kernel.
   * @default 'SIGTERM'
   */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  start(): Promise<void>;
}

export interface SpawnOptions {
  /** Arguments after `node` and the probe flags. */
  args: string[];
  env: Record<string, string>;
  /** The process prints its URL on stdout; the first capture group is the URL. */
  urlPattern: RegExp;
  dir?: string;
  /** Working directory, when not `dir` (a TypeScript entry point needs the repository root for tsx). */
  cwd?: string;
  /** Extra node flags, e.g. `['--import', 'tsx']` for a TypeScript entry point. */
  nodeArgs?: string[];
  /** What the log should say when the process dies before listening. */
  name: string;
}

interface Running {
  child: ChildProcess;
  url: string;
}

/** A free TCP port on 127.0.0.1 (for servers that cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * `BENCH_PROFILE_DIR=/some/dir`: every server under test writes a V8 CPU profile there when it
 * stops (`--cpu-prof`); `npx tsx bench/profile-top.ts <file>` lists where its time went.
 */
const profileArgs = () => (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`] : []);
/** `BENCH_SERVER_NODE_ARGS="--heapsnapshot-signal=SIGWINCH"`: more node flags for every server under test. */
const extraArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

async function launch(o: SpawnOptions & { dir: string; probeFile: string }): Promise<Running> {
  const flags = ['--expose-gc', '--import', PROBE, ...profileArgs(), ...extraArgs(), ...(o.nodeArgs ?? [])];
  const child: ChildProcess = spawn(process.execPath, [...flags, ...o.args], {
    cwd: o.cwd ?? o.dir,
    env: { PATH: process.env.PATH ?? '', ...o.env, BENCH_PROBE_FILE: o.probeFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      // Strip colour codes (Soketi) before matching.
      buffer += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      const m = o.urlPattern.exec(buffer);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]!);
      } else if (buffer.length > 100_000) buffer = buffer.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${o.name} exited (${code}) before listening:\n${stderr}`)));
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null && !(child as { benchStopping?: boolean }).benchStopping) {
      process.stderr.write(`\n  ${o.name} (pid ${child.pid}) exited with code ${code}:\n${stderr.slice(-2000)}\n`);
    }
  });
  return { child, url };
}

async function terminate(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  (child as { benchStopping?: boolean }).benchStopping = true;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function readMemory(child: ChildProcess, probeFile: string): Promise<MemoryUsage> {
  fs.rmSync(probeFile, { force: true });
  child.kill('SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(probeFile)) {
    if (Date.now() > deadline) throw new Error(`no memory report from pid ${child.pid}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return JSON.parse(fs.readFileSync(probeFile, 'utf8')) as MemoryUsage;
}

/** Spawn a Node server and wait until it prints its URL. */
export async function spawnServer(o: SpawnOptions): Promise<ServerProcess> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  const probeFile = path.join(dir, 'bench-memory.json');
  const { child, url } = await launch({ ...o, dir, probeFile });
  return {
    url,
    pid: child.pid!,
    dir,
    memory: () => readMemory(child, probeFile),
    async stop() {
      await terminate(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start the built Herald with `env` over the bench defaults. `HERALD_API_KEYS` (one key) and
 * `HERALD_JWT_SECRET` given in `env` are used as they are (the nodes of one cluster share them);
 * otherwise each process gets its own.
 */
export async function startHerald(env: Record<string, string> = {}): Promise<HeraldProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  const probeFile = path.join(dir, 'bench-memory.json');
  const apiKey = env.HERALD_API_KEYS ?? `hk_bench_${randomBytes(18).toString('base64url')}`;
  const jwtSecret = env.HERALD_JWT_SECRET ?? randomBytes(32).toString('base64url');
  const baseEnv: Record<string, string> = {
    NODE_ENV: 'production',
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_API_KEYS: apiKey,
    HERALD_JWT_SECRET: jwtSecret,
    HERALD_LOG_LEVEL: 'info',
    ...env,
  };
  const options = { args: [MAIN], urlPattern: /"url":"(http:[^"]+)"/, name: 'Herald', dir, probeFile };
  let running: Running | null = await launch({ ...options, env: baseEnv });
  const url = running.url;
  // A restart keeps the port, so clients reconnect to the same address.
  const restartEnv = { ...baseEnv, HERALD_PORT: new URL(url).port };
  const self: HeraldProcess = {
    url,
    apiKey,
    jwtSecret,
    dir,
    get pid() {
      return running?.child.pid ?? 0;
    },
    memory: () => readMemory(running!.child, probeFile),
    async kill(signal) {
      if (running) await terminate(running.child, signal);
      running = null;
    },
    async start() {
      if (!running) running = await launch({ ...options, env: restartEnv });
    },
    async restart(o) {
      await self.kill();
      await o?.beforeStart?.();
      await self.start();
    },
    async stop() {
      await self.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
