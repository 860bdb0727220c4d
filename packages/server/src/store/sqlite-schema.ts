/** The SQLite tables, as kysely migrations. */
import { sql, type Kysely, type Migration } from 'kysely';

export interface Tables {
  channels: { name: string; ns: string; head: number; pruned_through: number };
  messages: { channel: string; seq: number; id: string; event: string; data: string; ts: number };
  idempotency: { key: string; fingerprint: string; response: string; expires_at: number };
}

export const migrations: Record<string, Migration> = {
  '0001_channels': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('channels')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('ns', 'text', (c) => c.notNull())
        .addColumn('head', 'integer', (c) => c.notNull())
        .addColumn('pruned_through', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('channels_ns').on('channels').columns(['ns', 'name']).execute();
      await sql`CREATE TABLE messages (
        channel TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        event TEXT NOT NULL,
        data TEXT NOT NULL,
        ts INTEGER NOT NULL,
        PRIMARY KEY (channel, seq)
      ) WITHOUT ROWID`.execute(db);
      await db.schema.createIndex('messages_ts').on('messages').column('ts').execute();
      await db.schema
        .createTable('idempotency')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idempotency_expires').on('idempotency').column('expires_at').execute();
    },
  },
};
