/**
 * The embedded default store: SQLite through better-sqlite3, schema and reads through kysely.
 *
 * The write path runs as one synchronous better-sqlite3 `IMMEDIATE` transaction with prepared
 * statements: JavaScript cannot interleave anything inside it, so reading a channel's head and
 * writing head + 1 is atomic without locks, and no kysely transaction (which would yield between
 * statements) is ever open on the shared connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { monotonicFactory } from 'ulid';
import { channelNamespace, IDEMPOTENCY_TTL_MS, type Message, type PublishedRef } from '@herald/protocol';
import type { RetentionRules } from '../config/index.js';
import { migrations, type Tables } from './sqlite-schema.js';
import type { AppendOutcome, AppendRequest, ChannelState, Store } from './store.js';

/** Rows deleted per retention statement, so a large prune never holds the write lock for long. */
const PRUNE_CHUNK = 5000;

interface MessageRow {
  channel: string;
  seq: number;
  id: string;
  event: string;
  data: string;
  ts: number;
}

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  channel: r.channel,
  seq: r.seq,
  event: r.event,
  data: JSON.parse(r.data),
  ts: r.ts,
});

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. Its folder is created when missing. */
  file: string;
}

export async function createSqliteStore({ file }: SqliteStoreOptions): Promise<Store> {
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

  const stmt = {
    head: db.prepare<[string], { head: number }>('SELECT head FROM channels WHERE name = ?'),
    setHead: db.prepare(
      'INSERT INTO channels (name, ns, head) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET head = excluded.head',
    ),
    insert: db.prepare('INSERT INTO messages (channel, seq, id, event, data, ts) VALUES (?, ?, ?, ?, ?, ?)'),
    idemGet: db.prepare<[string, number], { fingerprint: string; response: string }>(
      'SELECT fingerprint, response FROM idempotency WHERE key = ? AND expires_at > ?',
    ),
    idemPut: db.prepare('INSERT OR REPLACE INTO idempotency (key, fingerprint, response, expires_at) VALUES (?, ?, ?, ?)'),
  };

  const nextId = monotonicFactory();
  // ts never goes backwards, so within a channel ts grows with seq and age-based retention always
  // removes a prefix of the channel.
  let lastTs = (db.prepare('SELECT MAX(ts) AS ts FROM messages').get() as { ts: number | null }).ts ?? 0;

  const appendTx = db.transaction((requests: readonly AppendRequest[]): AppendOutcome[] => {
    const now = Math.max(Date.now(), lastTs);
    lastTs = now;
    const outcomes: AppendOutcome[] = [];
    for (const req of requests) {
      if (req.idempotency) {
        const seen = stmt.idemGet.get(req.idempotency.key, now);
        if (seen) {
          outcomes.push(
            seen.fingerprint === req.idempotency.fingerprint
              ? { kind: 'replayed', refs: JSON.parse(seen.response) as PublishedRef[] }
              : { kind: 'conflict' },
          );
          continue;
        }
      }
      const messages: Message[] = [];
      for (const channel of req.channels) {
        const seq = (stmt.head.get(channel)?.head ?? 0) + 1;
        const id = nextId(now);
        stmt.setHead.run(channel, channelNamespace(channel), seq);
        stmt.insert.run(channel, seq, id, req.event, req.dataJson, now);
        messages.push({ id, channel, seq, event: req.event, data: req.data, ts: now });
      }
      if (req.idempotency) {
        const refs: PublishedRef[] = messages.map(({ channel, seq, id }) => ({ channel, seq, id }));
        stmt.idemPut.run(req.idempotency.key, req.idempotency.fingerprint, JSON.stringify(refs), now + IDEMPOTENCY_TTL_MS);
      }
      outcomes.push({ kind: 'stored', messages });
    }
    return outcomes;
  });

  /** Delete chunks of `select` (rows `channel, seq`) and raise each channel's floor to match. */
  const pruneWhere = (select: string, params: unknown[]): number => {
    const chunk = db.prepare(`${select} LIMIT ${PRUNE_CHUNK}`);
    const del = db.prepare('DELETE FROM messages WHERE channel = ? AND seq <= ?');
    const floor = db.prepare('UPDATE channels SET pruned_through = MAX(pruned_through, ?) WHERE name = ?');
    let total = 0;
    for (;;) {
      const removed = db.transaction(() => {
        const rows = chunk.all(...params) as { channel: string; seq: number }[];
        const upTo = new Map<string, number>();
        for (const r of rows) upTo.set(r.channel, Math.max(upTo.get(r.channel) ?? 0, r.seq));
        for (const [channel, seq] of upTo) {
          del.run(channel, seq);
          floor.run(seq, channel);
        }
        return rows.length;
      }).immediate();
      total += removed;
      if (removed < PRUNE_CHUNK) return total;
    }
  };

  return {
    async append(requests) {
      return appendTx.immediate(requests);
    },

    async read(channel, after, limit) {
      const rows = await kysely
        .selectFrom('messages')
        .selectAll()
        .where('channel', '=', channel)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map(toMessage);
    },

    async readLatest(channel, limit) {
      const rows = await kysely
        .selectFrom('messages')
        .selectAll()
        .where('channel', '=', channel)
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(toMessage);
    },

    async channelStates(channels) {
      const out = new Map<string, ChannelState>();
      for (const c of channels) out.set(c, { head: 0, floor: 0 });
      if (channels.length === 0) return out;
      const rows = await kysely
        .selectFrom('channels')
        .select(['name', 'head', 'pruned_through'])
        .where('name', 'in', [...channels])
        .execute();
      for (const r of rows) out.set(r.name, { head: r.head, floor: r.pruned_through });
      return out;
    },

    async prune(rules: RetentionRules, now) {
      let messages = 0;
      const named = Object.keys(rules).filter((ns) => ns !== '*');
      for (const [ns, rule] of Object.entries(rules)) {
        const nsFilter =
          ns === '*'
            ? `ns NOT IN (${named.map(() => '?').join(', ') || "''"})`
            : 'ns = ?';
        const nsParams = ns === '*' ? named : [ns];
        // By age: the oldest messages first, so each channel loses a prefix.
        messages += pruneWhere(
          `SELECT channel, seq FROM messages WHERE ts < ? AND channel IN (SELECT name FROM channels WHERE ${nsFilter}) ORDER BY ts`,
          [now - rule.ttlMs, ...nsParams],
        );
        // By count: keep the newest maxCount of each channel.
        const over = db
          .prepare(`SELECT name, head FROM channels WHERE ${nsFilter} AND head - pruned_through > ?`)
          .all(...nsParams, rule.maxCount) as { name: string; head: number }[];
        for (const c of over) {
          messages += pruneWhere('SELECT channel, seq FROM messages WHERE channel = ? AND seq <= ? ORDER BY seq', [
            c.name,
            c.head - rule.maxCount,
          ]);
        }
      }
      const idempotencyKeys = db.prepare('DELETE FROM idempotency WHERE expires_at <= ?').run(now).changes;
      return { messages, idempotencyKeys };
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async close() {
      await kysely.destroy();
    },
  };
}
