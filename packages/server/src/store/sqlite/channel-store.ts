/**
 * Channels on SQLite: schema and reads through kysely, writes through the shared writer.
 *
 * The write path runs as one synchronous better-sqlite3 `IMMEDIATE` transaction with prepared
 * statements: JavaScript cannot interleave anything inside it, so reading a channel's head and
 * writing head + 1 is atomic without locks, and no kysely transaction (which would yield between
 * statements) is ever open on the shared connection.
 */
import type { Database } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Message, PublishedRef } from '@herald/protocol';
import type { RetentionRules } from '../../config/index.js';
import { toMessage, type MessageRow } from '../rows.js';
import type { AppendOutcome, AppendRequest, ChannelState, Store } from '../store.js';
import type { Tables } from './schema.js';
import type { IdempotencyTable } from './idempotency.js';
import type { MessageWriter } from './writer.js';
import { TailCache } from './tail-cache.js';

/** Rows deleted per retention statement, so a large prune never holds the write lock for long. */
const PRUNE_CHUNK = 5000;
/**
 * The tail cache keeps up to a full replay (1,000, `MAX_REPLAY`) of a channel and 20,000 messages
 * in all (~10 MB at typical sizes).
 */
const TAIL_CACHE = { perChannel: 1000, total: 20_000 };


export type ChannelStore = Omit<Store, 'inbox' | 'close' | 'prune'> & {
  prune(rules: RetentionRules, now: number): Promise<{ messages: number; idempotencyKeys: number }>;
};

export function createSqliteChannelStore(
  db: Database,
  kysely: Kysely<Tables>,
  writer: MessageWriter,
  idempotency: IdempotencyTable,
): ChannelStore {

  /**
   * Reads run on every subscribe, sync and history request. kysely builds each query once; it runs
   * as a cached better-sqlite3 statement (kysely's SQLite driver prepares anew on every execution,
   * which cost more than the query itself). Parameters bind in the order they appear.
   */
  const prepare = <R>(query: { compile(): { sql: string } }) => db.prepare<unknown[], R>(query.compile().sql);
  const readAfter = prepare<MessageRow>(
    kysely.selectFrom('messages').selectAll().where('channel', '=', '').where('seq', '>', 0).orderBy('seq').limit(0),
  );
  const readNewest = prepare<MessageRow>(
    kysely.selectFrom('messages').selectAll().where('channel', '=', '').orderBy('seq', 'desc').limit(0),
  );
  const stateOf = prepare<{ head: number; pruned_through: number }>(
    kysely.selectFrom('channels').select(['head', 'pruned_through']).where('name', '=', ''),
  );
  const tails = new TailCache((channel, after, limit) => readAfter.all(channel, after, limit).map(toMessage), TAIL_CACHE);

  const appendTx = writer.transaction((requests: readonly AppendRequest[]): AppendOutcome[] => {
    const now = writer.now();
    const outcomes: AppendOutcome[] = [];
    for (const req of requests) {
      const seen = req.idempotency && idempotency.check(req.idempotency.key, req.idempotency.fingerprint, now);
      if (seen) {
        outcomes.push(seen);
        continue;
      }
      const messages = req.channels.map((channel) => writer.append(channel, req.event, req.data, req.dataJson, now));
      if (req.idempotency) {
        const refs: PublishedRef[] = messages.map(({ channel, seq, id }) => ({ channel, seq, id }));
        idempotency.remember(req.idempotency.key, req.idempotency.fingerprint, refs, now);
      }
      outcomes.push({ kind: 'stored', messages });
    }
    return outcomes;
  });

  /**
   * Group commit: appends that arrive within one event-loop turn share one transaction, so the
   * cost of a commit (the WAL write) is paid once per turn, not once per publish. Each caller is
   * answered after that transaction has committed, with its own outcomes.
   */
  let group: { requests: readonly AppendRequest[]; resolve(o: AppendOutcome[]): void; reject(e: unknown): void }[] = [];
  const commitGroup = () => {
    const callers = group;
    group = [];
    let outcomes: AppendOutcome[];
    try {
      outcomes = appendTx.immediate(callers.flatMap((c) => c.requests));
    } catch {
      // The whole transaction rolled back: retry each caller alone so one bad request cannot fail
      // its neighbours.
      for (const c of callers) {
        try {
          c.resolve(appendTx.immediate(c.requests));
        } catch (err) {
          c.reject(err);
        }
      }
      return;
    }
    let at = 0;
    for (const c of callers) {
      c.resolve(outcomes.slice(at, at + c.requests.length));
      at += c.requests.length;
    }
  };

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
    append(requests) {
      return new Promise((resolve, reject) => {
        if (group.length === 0) setImmediate(commitGroup);
        group.push({ requests, resolve, reject });
      });
    },

    async read(channel, after, limit) {
      return tails.read(channel, after, limit, stateOf.get(channel)?.head ?? 0);
    },

    async readLatest(channel, limit) {
      return readNewest.all(channel, limit).reverse().map(toMessage);
    },

    async channelStates(channels) {
      const out = new Map<string, ChannelState>();
      for (const c of channels) {
        const row = stateOf.get(c);
        out.set(c, row ? { head: row.head, floor: row.pruned_through } : { head: 0, floor: 0 });
      }
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
      if (messages > 0) tails.clear();
      const idempotencyKeys = db.prepare('DELETE FROM idempotency WHERE expires_at <= ?').run(now).changes;
      return { messages, idempotencyKeys };
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },
  };
}
