/**
 * The PostgreSQL tables, as kysely migrations: the same tables as on SQLite, with three
 * differences that matter.
 *
 * - Every text key (`channels.name`, `messages.channel`, ids, idempotency keys) uses the "C"
 *   collation: byte order, like SQLite's default and JavaScript's `<`. Channel rows are locked in
 *   that order by every writer (no deadlock), and the inbox's "no cursor" bound `'~'` sorts above
 *   every ULID only in byte order.
 * - Integers that can pass 2^31 (seq, heads, epoch ms) are `bigint`; the pool reads them back as
 *   JavaScript numbers (see `open.ts`).
 * - `notification_state.user` is `sub` here (`user` is reserved in PostgreSQL), and the unread
 *   count has a partial index of the state rows that take an item out of it.
 */
import { sql, type Kysely, type Migration } from 'kysely';

const STATEMENTS = {
  channels: [
    `CREATE TABLE channels (
      name text COLLATE "C" PRIMARY KEY,
      ns text COLLATE "C" NOT NULL,
      head bigint NOT NULL,
      pruned_through bigint NOT NULL DEFAULT 0
    )`,
    'CREATE INDEX channels_ns ON channels (ns, name)',
    `CREATE TABLE messages (
      channel text COLLATE "C" NOT NULL,
      seq bigint NOT NULL,
      id text COLLATE "C" NOT NULL,
      event text NOT NULL,
      data text NOT NULL,
      ts bigint NOT NULL,
      PRIMARY KEY (channel, seq)
    )`,
    'CREATE INDEX messages_ts ON messages (ts)',
    `CREATE TABLE idempotency (
      key text COLLATE "C" PRIMARY KEY,
      fingerprint text NOT NULL,
      response text NOT NULL,
      expires_at bigint NOT NULL
    )`,
    'CREATE INDEX idempotency_expires ON idempotency (expires_at)',
  ],
  inbox: [
    `CREATE TABLE notifications (
      id text COLLATE "C" PRIMARY KEY,
      channel text COLLATE "C" NOT NULL,
      seq bigint NOT NULL,
      type text NOT NULL,
      title text NOT NULL,
      body text,
      data text,
      action_url text,
      priority text NOT NULL,
      created_at bigint NOT NULL,
      expires_at bigint
    )`,
    // Newest first per channel, with what the unread count filters on: counting is an index-only scan.
    'CREATE INDEX notifications_channel ON notifications (channel, id) INCLUDE (type, expires_at, created_at)',
    'CREATE INDEX notifications_expires ON notifications (expires_at) WHERE expires_at IS NOT NULL',
    // The next expiry on a channel: when a cached unread count stops being valid.
    'CREATE INDEX notifications_channel_expiry ON notifications (channel, expires_at) WHERE expires_at IS NOT NULL',
    `CREATE TABLE notification_state (
      sub text COLLATE "C" NOT NULL,
      notification_id text COLLATE "C" NOT NULL,
      read_at bigint,
      seen_at bigint,
      archived_at bigint,
      deleted_at bigint,
      PRIMARY KEY (sub, notification_id)
    )`,
    'CREATE INDEX notification_state_notification ON notification_state (notification_id)',
    // The rows that take an item out of the unread count, for the count's anti-join.
    `CREATE INDEX notification_state_gone ON notification_state (sub, notification_id)
      WHERE read_at IS NOT NULL OR deleted_at IS NOT NULL`,
    `CREATE TABLE preferences (
      sub text COLLATE "C" PRIMARY KEY,
      muted_types text NOT NULL
    )`,
  ],
  /**
   * One notification per call, whatever number of channels it is addressed to: a row per target
   * channel sharing one id (key `(id, channel)`), with the number of targets (see `rows.ts`).
   * Notifications stored before keep one id per channel (`targets` 1).
   */
  oneIdPerNotification: [
    'ALTER TABLE notifications ADD COLUMN targets smallint NOT NULL DEFAULT 1',
    'ALTER TABLE notifications DROP CONSTRAINT notifications_pkey',
    'ALTER TABLE notifications ADD PRIMARY KEY (id, channel)',
    'DROP INDEX notifications_channel',
    // Single-target rows, nearly all, are decided from the index alone.
    'CREATE INDEX notifications_channel ON notifications (channel, id) INCLUDE (type, expires_at, created_at, targets)',
  ],
};

const run = (statements: string[]): Migration => ({
  async up(db: Kysely<any>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
});

/** Applied in name order by kysely's `Migrator`, each in a transaction under its advisory lock. */
export const migrations: Record<string, Migration> = {
  '0001_channels': run(STATEMENTS.channels),
  '0002_inbox': run(STATEMENTS.inbox),
  '0003_one_id_per_notification': run(STATEMENTS.oneIdPerNotification),
};
