/**
 * A Herald cluster of real processes behind a real nginx, for tests: N nodes from the built binary
 * (`npm run build`), each on its own port, sharing one PostgreSQL database, one Redis (prefix of
 * their own), one JWT secret and one API key; nginx configured by `deploy/nginx/herald.conf`.
 * Everything is stopped, and the database dropped, when the test ends, whatever happened.
 *
 * @example
 * const cluster = await startCluster({ nodes: 3 });
 * const c = await connectClient(cluster.url, await signToken(cluster.h, { sub: 'u1' }));
 * await cluster.nodes[0].kill('SIGKILL');
 */
import { randomBytes } from 'node:crypto';
import type { Herald } from '../helpers.js';
import { tempDir } from '../helpers.js';
import { testDatabase } from '../pg-database.js';
import { freshPrefix, REDIS_URL } from '../redis-admin.js';
import { heraldAt } from './clients.js';
import { startNginx, type Nginx } from './nginx.js';
import { cleanEnv, freePort, MAIN, requireBuild, spawnProc, tail, waitForHttp, type Proc } from './processes.js';

export interface ClusterOptions {
  /** How many Herald nodes. @default 3 */
  nodes?: number;
  /** Redis of the bus. @default the machine's (HERALD_TEST_REDIS_URL), with a fresh prefix */
  redisUrl?: string;
  /** PostgreSQL database. @default a fresh one, dropped when the test ends */
  databaseUrl?: string;
  /** More environment for every node (HERALD_* variables). */
  env?: Record<string, string>;
}

/** One Herald process of the cluster. */
export interface ClusterNode {
  /** The node's own URL (not through nginx). */
  readonly url: string;
  /** Its `HERALD_NODE_ID`. */
  readonly id: string;
  readonly port: number;
  /** Pid of the running process (the latest one after `restart`). */
  readonly pid: number;
  /** `Herald` handle on the node's own URL, for the helpers. */
  readonly h: Herald;
  running(): boolean;
  /** stdout + stderr of the current process (the nodes log at `warn`). */
  output(): string;
  /** Send `signal` (default SIGKILL) and wait until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stop it if running (SIGTERM), start it again on the same port, wait until ready. */
  restart(): Promise<void>;
}

export interface Cluster {
  /** nginx's URL: what clients use. */
  readonly url: string;
  /** `Herald` handle on nginx's URL, for the helpers (`publish`, `request`, `signToken`). */
  readonly h: Herald;
  readonly nodes: ClusterNode[];
  readonly nginx: Nginx;
  readonly apiKey: string;
  readonly secret: string;
  /** The environment every node shares (database, Redis, prefix, credentials). */
  readonly env: Readonly<Record<string, string>>;
  /** Stop nginx and every node (also done when the test ends). */
  stop(): Promise<void>;
}

/**
 * Start `nodes` Herald processes, wait until each answers `/readyz`, then nginx in front.
 * The first node starts alone (it creates the schema of a new database), the others together.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  requireBuild();
  const count = options.nodes ?? 3;
  const apiKey = `hk_test_${randomBytes(18).toString('hex')}`;
  const secret = `test-secret-${randomBytes(24).toString('hex')}`;
  const shared: Record<string, string> = {
    HERALD_HOST: '127.0.0.1',
    HERALD_DATABASE_URL: options.databaseUrl ?? (await testDatabase()),
    HERALD_REDIS_URL: options.redisUrl ?? REDIS_URL,
    HERALD_REDIS_PREFIX: freshPrefix(),
    HERALD_JWT_SECRET: secret,
    HERALD_API_KEYS: apiKey,
    HERALD_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const cwd = tempDir('herald-cluster-');
  const ports = await distinctPorts(count);
  const nodes = ports.map((port, i) => makeNode(`node-${i + 1}`, port, shared, cwd, apiKey, secret));
  await nodes[0]!.start();
  await Promise.all(nodes.slice(1).map((n) => n.start()));
  const nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  return {
    url: nginx.url,
    h: heraldAt(nginx.url, apiKey, secret),
    nodes: nodes.map((n) => n.node),
    nginx,
    apiKey,
    secret,
    env: shared,
    async stop() {
      await nginx.stop();
      await Promise.all(nodes.map((n) => n.node.kill('SIGTERM')));
    },
  };
}

/** `count` free ports, all different (the OS could hand one out twice when asked one by one). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function makeNode(id: string, port: number, shared: Record<string, string>, cwd: string, apiKey: string, secret: string) {
  const url = `http://127.0.0.1:${port}`;
  const env = cleanEnv({ ...shared, HERALD_PORT: String(port), HERALD_NODE_ID: id });
  let proc: Proc | undefined;
  const start = async () => {
    proc = spawnProc(`herald ${id}`, process.execPath, [MAIN], { env, cwd });
    try {
      await waitForHttp(`${url}/readyz`, { proc, ms: 30_000 });
    } catch (err) {
      throw new Error(`node ${id} did not become ready: ${(err as Error).message}\n${tail(proc.output())}`);
    }
  };
  const node: ClusterNode = {
    url,
    id,
    port,
    get pid() {
      return proc?.pid ?? -1;
    },
    h: heraldAt(url, apiKey, secret),
    running: () => proc?.running() ?? false,
    output: () => proc?.output() ?? '',
    async kill(signal = 'SIGKILL') {
      if (!proc) return { code: null, signal: null };
      return proc.stop(signal, 10_000);
    },
    async restart() {
      if (proc?.running()) await proc.stop('SIGTERM', 10_000);
      await start();
    },
  };
  return { node, start };
}
