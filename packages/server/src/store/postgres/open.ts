import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrations } from './schema.js';

export interface PostgresOptions {
  /** `postgres://…` connection URL. */
  url: string;
  /** Most connections this process opens. @default 10 */
  poolSize?: number | undefined;
  /** `application_name` of every connection (Herald passes `herald:<nodeId>`), seen in `pg_stat_activity`. */
  applicationName?: string | undefined;
}

/** OID of `bigint`: seq, heads, epoch ms and `count(*)`. */
const INT8 = 20;

/**
 * `bigint` values read back as numbers instead of pg's default strings. Herald's integers are seqs
 * and epoch milliseconds, far below 2^53. Set per pool, not on pg's global `types`, so another
 * user of pg in the same process is not affected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Several nodes may start at once; kysely's migration tables can race on creation, so try again. */
const MIGRATION_ATTEMPTS = 5;

/** Open a pool on the database and bring its tables to the latest migration. */
export async function openPostgres(options: PostgresOptions): Promise<{ pool: pg.Pool; kysely: Kysely<any> }> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types,
    // A database that does not answer fails the request (UNAVAILABLE) instead of queueing it forever.
    connectionTimeoutMillis: 5000,
    // No JIT: Herald's statements are short and run thousands of times a second. An estimate
    // above jit_above_cost (100,000 by default: a count over a 10,000-item inbox, a page whose
    // statistics are stale) made PostgreSQL compile the plan for every call, 20–200 ms, to run a
    // query that takes 1–10 ms (measured with `npm run bench -- inbox`).
    options: '-c jit=off',
    ...(options.applicationName !== undefined ? { application_name: options.applicationName } : {}),
  });
  // An idle client whose connection drops (database restarted, pg_terminate_backend) is removed by
  // the pool, which then emits 'error': without a listener that would crash the process. The next
  // query simply opens a new connection.
  pool.on('error', () => {});
  // A checked-out client whose connection drops between two queries emits 'error' on itself, with
  // no pool listener attached at that moment; its next query then fails (UNAVAILABLE) and the
  // pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({ db: kysely, provider: { getMigrations: async () => migrations } });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) break;
    if (attempt === MIGRATION_ATTEMPTS) {
      await kysely.destroy();
      throw error;
    }
    await new Promise((r) => setTimeout(r, 50 * attempt));
  }
  return { pool, kysely };
}
