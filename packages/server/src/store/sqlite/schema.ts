/** The SQLite tables, as kysely migrations. */
import { sql, type Kysely, type Migration } from 'kysely';

export interface Tables {
  channels: { name: string; ns: string; head: number; pruned_through: number };
  messages: { channel: string; seq: number; id: string; event: string; data: string; ts: number };
  idempotency: { key: string; fingerprint: string; response: string; expires_at: number };
}

const INBOX_SQL = [
  `CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    data TEXT,
    action_url TEXT,
    priority TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID`,
  'CREATE INDEX notifications_channel ON notifications (channel, id, type, expires_at)',
  'CREATE INDEX notifications_expires ON notifications (expires_at) WHERE expires_at IS NOT NULL',
  'CREATE INDEX notifications_channel_expiry ON notifications (channel, expires_at) WHERE expires_at IS NOT NULL',
  `CREATE TABLE notification_state (
    user TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    read_at INTEGER,
    seen_at INTEGER,
    archived_at INTEGER,
    deleted_at INTEGER,
    PRIMARY KEY (user, notification_id)
  ) WITHOUT ROWID`,
  'CREATE INDEX notification_state_notification ON notification_state (notification_id)',
  `CREATE TABLE preferences (
    user TEXT PRIMARY KEY,
    muted_types TEXT NOT NULL
  ) WITHOUT ROWID`,
];

/**
 * One notification per call, whatever number of channels it is addressed to: a row per target
 * channel sharing one id (key `(id, channel)`), with the number of targets. A viewer who reads several of them sees the row
 * of the first one in name order (see `rows.ts`).
 * Notifications stored before this migration keep one id per channel (`targets` 1).
 */
const ONE_ID_PER_NOTIFICATION_SQL = [
  `CREATE TABLE notifications_v3 (
    id TEXT NOT NULL,
    channel TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    data TEXT,
    action_url TEXT,
    priority TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    targets INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (id, channel)
  ) WITHOUT ROWID`,
  `INSERT INTO notifications_v3 (id, channel, seq, type, title, body, data, action_url, priority, created_at, expires_at)
   SELECT id, channel, seq, type, title, body, data, action_url, priority, created_at, expires_at FROM notifications`,
  'DROP TABLE notifications',
  'ALTER TABLE notifications_v3 RENAME TO notifications',
  // Newest first per channel, with what the unread count filters on, so counting reads the index
  // only (the row itself is read only for notifications with several targets).
  'CREATE INDEX notifications_channel ON notifications (channel, id, type, expires_at, targets)',
  'CREATE INDEX notifications_expires ON notifications (expires_at) WHERE expires_at IS NOT NULL',
  // The next expiry on a channel: when a cached unread count stops being valid.
  'CREATE INDEX notifications_channel_expiry ON notifications (channel, expires_at) WHERE expires_at IS NOT NULL',
];

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
  '0002_inbox': {
    async up(db: Kysely<any>) {
      for (const statement of INBOX_SQL) await sql.raw(statement).execute(db);
    },
  },
  '0003_one_id_per_notification': {
    async up(db: Kysely<any>) {
      for (const statement of ONE_ID_PER_NOTIFICATION_SQL) await sql.raw(statement).execute(db);
    },
  },
};
