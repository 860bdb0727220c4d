/**
 * The shared services a Herald cluster runs on, for the cluster scenario: a PostgreSQL database
 * created for one server setup and dropped at the end of the run, Redis with a prefix of its own
 * (the bus keeps nothing in Redis but pub/sub, so there is nothing to clean there), and the
 * credentials every node of one cluster must share.
 *
 * `BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) is the admin
 * connection databases are created and dropped through; `BENCH_REDIS_URL` (default
 * `redis://127.0.0.1:6379`) the Redis every node uses.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpuSeconds } from './procstat.js';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Prefix of every database the benchmarks create; one left behind is a run that died. */
export const DATABASE_PREFIX = 'herald_bench_';

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'herald:bench-admin' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${(err as Error).message}); set BENCH_POSTGRES_URL`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface BenchDatabase {
  readonly name: string;
  /** `HERALD_DATABASE_URL` for the servers. */
  readonly url: string;
  /** PIDs of the PostgreSQL backends serving this database now (their CPU is the database's work). */
  backendPids(): Promise<number[]>;
  /**
   * `VACUUM ANALYZE` the database: what autovacuum does within a minute or so of a bulk load, done
   * at once so that the measurement after a fill is not of a planner without statistics.
   */
  analyze(): Promise<void>;
  /** Drop the database, closing whatever is still connected to it. */
  drop(): Promise<void>;
}

/** Databases of this run not dropped yet, dropped by {@link dropAll} whatever happened. */
const open = new Set<BenchDatabase>();

/** A new empty database `herald_bench_<random>`. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `${DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db: BenchDatabase = {
    name,
    url: url.toString(),
    backendPids: () =>
      withAdmin(async (c) => (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])).rows.map((r) => r.pid)),
    async analyze() {
      const client = new pg.Client({ connectionString: url.toString(), application_name: 'herald:bench-admin' });
      await client.connect();
      try {
        await client.query('VACUUM ANALYZE');
      } finally {
        await client.end();
      }
    },
    async drop() {
      open.delete(db);
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
  open.add(db);
  return db;
}

/** Drop every database this run created and has not dropped. */
export async function dropAll(): Promise<void> {
  for (const db of [...open]) await db.drop().catch((err) => process.stderr.write(`  could not drop ${db.name}: ${(err as Error).message}\n`));
}

/** A Redis key prefix no other run uses (`herald:bench-<random>:`). */
export const redisPrefix = () => `herald:bench-${randomBytes(4).toString('hex')}:`;

/** API key and JWT secret shared by the nodes of one cluster (a token minted on one is valid on all). */
export function sharedCredentials(): { HERALD_API_KEYS: string; HERALD_JWT_SECRET: string } {
  return { HERALD_API_KEYS: `hk_bench_${randomBytes(18).toString('base64url')}`, HERALD_JWT_SECRET: randomBytes(32).toString('base64url') };
}

/** CPU seconds of the database's backends over a phase (those alive at its start and end). */
export async function databaseCpuMeter(db: BenchDatabase): Promise<{ stop(): Promise<number> }> {
  const read = (pids: number[]) => {
    const cpu = new Map<number, number>();
    for (const pid of pids) {
      try {
        cpu.set(pid, cpuSeconds(pid));
      } catch {
        // The backend ended (or is not on this machine's /proc).
      }
    }
    return cpu;
  };
  const before = read(await db.backendPids());
  return {
    async stop() {
      const after = read(await db.backendPids());
      let s = 0;
      for (const [pid, cpu] of after) s += cpu - (before.get(pid) ?? 0);
      return s;
    },
  };
}
