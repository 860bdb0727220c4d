/**
 * A Redis server of the test's own, for tests that stop or restart Redis (the machine's shared
 * Redis is never stopped): a free port, nothing persisted, stopped when the test ends.
 */
import { tempDir } from '../helpers.js';
import { freePort, spawnProc, type Proc } from './processes.js';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  readonly proc: Proc;
  /** Stop it (SIGTERM); its port stays reserved for `restart`. */
  stop(): Promise<void>;
  /** Stop it if running, then start a new, empty one on the same port. */
  restart(): Promise<void>;
}

/**
 * Start `redis-server` on a free port.
 * @example const redis = await startRedis(); await startCluster({ nodes: 2, redisUrl: redis.url })
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = tempDir('herald-redis-');
  const launch = async () => {
    const proc = spawnProc(`redis-server :${port}`, 'redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    ]);
    await proc.waitForOutput(/Ready to accept connections/, 10_000);
    return proc;
  };
  let proc = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get proc() {
      return proc;
    },
    async stop() {
      await proc.stop('SIGTERM', 5000);
    },
    async restart() {
      await proc.stop('SIGTERM', 5000);
      proc = await launch();
    },
  };
}
