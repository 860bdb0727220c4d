/**
 * Upgrading a database written before "one notification, one item" (migration
 * `0003_one_id_per_notification`), on the store of the current project: the inbox it held reads,
 * counts and changes as before (a notification sent to several channels back then stays one item
 * per channel, with its own id), and what is created afterwards is one item per notification.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { migrations as postgresMigrations } from '../src/store/postgres/schema.js';
import { migrations as sqliteMigrations } from '../src/store/sqlite/schema.js';
import { tempDir } from './helpers.js';
import { TEST_STORE, testDatabase } from './pg-database.js';

const BEFORE = ['0001_channels', '0002_inbox'];
const subset = (all: typeof sqliteMigrations) => Object.fromEntries(BEFORE.map((name) => [name, all[name]!]));

/** Two notifications of one old multi-target call (two ids), the first read by alice. */
const OLD_ROWS = [
  { id: '01HZZZZZZZZZZZZZZZZZZZZZZ1', channel: 'user:alice', seq: 1 },
  { id: '01HZZZZZZZZZZZZZZZZZZZZZZ2', channel: 'role:staff', seq: 1 },
  { id: '01HZZZZZZZZZZZZZZZZZZZZZZ3', channel: 'broadcast', seq: 1 },
];

async function writeOldDatabase(db: Kysely<any>, userColumn: 'user' | 'sub'): Promise<void> {
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => subset(TEST_STORE === 'postgres' ? postgresMigrations : sqliteMigrations) } }).migrateToLatest();
  if (error) throw error;
  for (const r of OLD_ROWS) {
    await sql`INSERT INTO channels (name, ns, head) VALUES (${r.channel}, ${r.channel.split(':')[0]}, 1)`.execute(db);
    await sql`INSERT INTO notifications (id, channel, seq, type, title, priority, created_at)
              VALUES (${r.id}, ${r.channel}, ${r.seq}, 'order', ${`old ${r.channel}`}, 'normal', ${Date.now() - 60_000})`.execute(db);
  }
  await sql`INSERT INTO notification_state (${sql.raw(userColumn)}, notification_id, read_at) VALUES ('alice', ${OLD_ROWS[0]!.id}, ${Date.now() - 1000})`.execute(db);
  await db.destroy();
}

/** A store opened on a database that the previous release wrote. */
async function upgradedStore(): Promise<Store> {
  if (TEST_STORE === 'postgres') {
    const url = await testDatabase();
    await writeOldDatabase(new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) }), 'sub');
    const store = await openStore({ kind: 'postgres', url, poolSize: 2 });
    onTestFinished(() => store.close());
    return store;
  }
  const file = `${tempDir()}/herald.db`;
  await writeOldDatabase(new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) }), 'user');
  const store = await openStore({ kind: 'sqlite', file });
  onTestFinished(() => store.close());
  return store;
}

describe(`inbox migration to one item per notification (${TEST_STORE})`, () => {
  it('keeps the inbox written before it, state included, and stores one item per notification after it', async () => {
    const store = await upgradedStore();
    const alice = { sub: 'alice', channels: ['user:alice', 'role:staff', 'broadcast'] };
    const all = { status: 'all', archived: 'all', limit: 10 } as const;

    const before = await store.inbox.list(alice, all);
    expect(before.items.map((n) => [n.id, n.channel, n.readAt !== undefined])).toEqual(
      [...OLD_ROWS].reverse().map((r) => [r.id, r.channel, r.id === OLD_ROWS[0]!.id]),
    );
    expect(before.unread).toBe(2);
    expect(await store.inbox.unreadCount(alice)).toBe(2);
    expect((await store.inbox.update(alice, 'read', [OLD_ROWS[1]!.id])).unread).toBe(1);

    const created = await store.inbox.create({ to: ['user:alice', 'role:staff', 'broadcast'], type: 'order', title: 'new', priority: 'normal' });
    if (created.kind !== 'stored') throw new Error(created.kind);
    // (user:alice's seq 2 went to the notification:updated of the read above.)
    expect(created.refs.map((r) => [r.channel, r.seq])).toEqual([['user:alice', 3], ['role:staff', 2], ['broadcast', 2]]);
    const id = created.refs[0]!.id;
    expect(created.refs.every((r) => r.id === id)).toBe(true);
    expect(await store.inbox.unreadCount(alice)).toBe(2);
    const after = await store.inbox.list(alice, all);
    expect(after.items.map((n) => [n.id, n.channel])).toEqual([[id, 'broadcast'], ...before.items.map((n) => [n.id, n.channel])]);
    expect((await store.inbox.update(alice, 'delete', [id])).unread).toBe(1);
    expect(await store.inbox.unreadCount({ sub: 'bob', channels: ['user:bob', 'role:staff'] })).toBe(2);
  });
});
