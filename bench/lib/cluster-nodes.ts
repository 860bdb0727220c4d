/**
 * Herald nodes for the cluster scenario: one node on embedded SQLite or on a PostgreSQL database of
 * its own, or several nodes on one database and one Redis (each a `node main.js` process on its
 * own port, as in production). Every node of a cluster shares the API key and JWT secret, so a
 * token minted on one is accepted by all.
 */
import { createDatabase, REDIS_URL, redisPrefix, sharedCredentials, type BenchDatabase } from './backends.js';
import { processTree } from './procstat.js';
import { TargetUnavailable, startHeraldTarget, type HeraldTarget } from './targets.js';

export interface NodeOptions {
  label: string;
  /** PostgreSQL database (none: embedded SQLite). */
  database?: BenchDatabase;
  /** Redis prefix (none: no Redis, the in-process bus). */
  redisPrefix?: string;
  /** `HERALD_WORKERS`. */
  workers?: number;
  nodeId?: string;
  credentials?: Record<string, string>;
}

/** One Herald node process. */
export async function startNode(o: NodeOptions): Promise<HeraldTarget> {
  const env: Record<string, string> = { ...o.credentials };
  if (o.database) env.HERALD_DATABASE_URL = o.database.url;
  if (o.redisPrefix) Object.assign(env, { HERALD_REDIS_URL: REDIS_URL, HERALD_REDIS_PREFIX: o.redisPrefix });
  if (o.workers !== undefined) env.HERALD_WORKERS = String(o.workers);
  if (o.nodeId) env.HERALD_NODE_ID = o.nodeId;
  return startHeraldTarget(env, o.label);
}

/** A node with the PostgreSQL database it runs on, when it does. */
export type NodeTarget = HeraldTarget & { readonly database?: BenchDatabase };

/** `t`, whose `stop()` also drops `db` (a set-up that owns its database). */
export function owningDatabase(t: HeraldTarget, db: BenchDatabase): NodeTarget {
  return {
    ...t,
    database: db,
    async stop() {
      try {
        await t.stop();
      } finally {
        await db.drop();
      }
    },
  };
}

/** One node on a new PostgreSQL database (with Redis when `redis`), dropped when it stops. */
export async function startPostgresNode(label: string, o: { redis?: boolean; workers?: number } = {}): Promise<NodeTarget> {
  const database = await createDatabase();
  try {
    const t = await startNode({ label, database, redisPrefix: o.redis ? redisPrefix() : undefined, workers: o.workers, nodeId: o.redis ? 'bench-n1' : undefined });
    return owningDatabase(t, database);
  } catch (err) {
    await database.drop();
    throw err;
  }
}

export interface Cluster {
  readonly nodes: HeraldTarget[];
  readonly database: BenchDatabase;
  /** Stop every node still running, then drop the database. */
  stop(): Promise<void>;
}

/** `n` nodes (`bench-n1` …) on one new PostgreSQL database and one Redis prefix. */
export async function startCluster(n: number, label: (i: number) => string): Promise<Cluster> {
  const database = await createDatabase();
  const prefix = redisPrefix();
  const credentials = sharedCredentials();
  const nodes: HeraldTarget[] = [];
  const stop = async () => {
    try {
      for (const node of nodes) await node.stop();
    } finally {
      await database.drop();
    }
  };
  try {
    // One at a time: the first creates the tables (the others would wait on its migration lock).
    for (let i = 0; i < n; i++) nodes.push(await startNode({ label: label(i), database, redisPrefix: prefix, nodeId: `bench-n${i + 1}`, credentials }));
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, database, stop };
}

/**
 * The processes of a node started with `HERALD_WORKERS=workers`: its primary and the workers below
 * it. `TargetUnavailable` when there are fewer than asked (a build without worker processes).
 */
export function workerProcesses(t: { server: { pid: number } }, workers: number): number[] {
  const tree = processTree(t.server.pid);
  if (workers > 1 && tree.length < workers + 1) {
    throw new TargetUnavailable(`not run: HERALD_WORKERS=${workers} started ${tree.length - 1} worker processes (this build runs one process)`);
  }
  return tree;
}
