import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations, type Tables } from './schema.js';

/** Open (creating when missing) and migrate the SQLite database. */
export async function openSqlite(file: string): Promise<{ db: Database.Database; kysely: Kysely<Tables> }> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a committed publish survives a process crash or restart; only an OS crash or
  // power loss can drop the last commits. That is the durability SPEC §5 asks for.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: db }) });
  const migrator = new Migrator({ db: kysely, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await kysely.destroy();
    throw error;
  }
  return { db, kysely };
}
