/**
 * The synchronous message writer shared by the SQLite stores: it assigns each channel's next seq
 * inside whatever better-sqlite3 transaction is open, so a notification and its
 * `notification:new` message (or a state change and its `notification:updated`) commit together.
 *
 * Heads in memory: the writer is the only one that moves a channel's head, so inside its own
 * transactions ({@link MessageWriter.transaction}) it keeps each channel's head in memory instead of
 * reading it back for every message, and writes the `channels` row once per channel at the end of
 * the transaction instead of once per message. A batch of 500 messages over 100 channels costs 500
 * inserts and 100 head writes, not 1,500 statements. Whenever one of its transactions fails (rolled
 * back, wholly or to a savepoint) the writer forgets every head it knew and reads them again.
 */
import type { Database, Transaction } from 'better-sqlite3';
import { channelNamespace, type Json, type Message } from '@herald/protocol';
import { ulidFactory } from '../ids.js';

export interface MessageWriter {
  /** A timestamp for this transaction: never earlier than the last one handed out. */
  now(): number;
  /** A new ULID, greater than every earlier one. */
  id(ts: number): string;
  /** Store one message as the channel's next seq. Call inside a transaction, best one of {@link transaction}. */
  append(channel: string, event: string, data: Json, dataJson: string, ts: number, id?: string): Message;
  /**
   * `db.transaction(fn)` for transactions that append: the heads of the channels appended to are
   * written when `fn` returns, inside the transaction.
   */
  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
}

/** Past this many channels, the heads in memory are dropped and read again as needed. */
const MAX_HEADS = 100_000;


export function createMessageWriter(db: Database): MessageWriter {
  const head = db.prepare<[string], { head: number }>('SELECT head FROM channels WHERE name = ?');
  const setHead = db.prepare(
    'INSERT INTO channels (name, ns, head) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET head = excluded.head',
  );
  const insert = db.prepare('INSERT INTO messages (channel, seq, id, event, data, ts) VALUES (?, ?, ?, ?, ?, ?)');
  const nextId = ulidFactory();
  // ts never goes backwards, so within a channel ts grows with seq and age-based retention always
  // removes a prefix of the channel.
  let lastTs = (db.prepare('SELECT MAX(ts) AS ts FROM messages').get() as { ts: number | null }).ts ?? 0;

  /** Channel → head: committed, or as appended by the open writer transaction. */
  const heads = new Map<string, number>();
  /**
   * Per open level of a writer transaction (savepoints nest), outermost first: channel → head
   * appended at that level or by a level inside it that completed. The outermost level writes its
   * heads to `channels` just before it commits.
   */
  const levels: Map<string, number>[] = [];

  /** A level failed and its savepoint rolled back: only what the open levels hold is still true. */
  const forgetRolledBack = () => {
    heads.clear();
    for (const level of levels) for (const [channel, seq] of level) heads.set(channel, seq);
  };

  /** Run `fn` as one level of a writer transaction. */
  const level =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const appended = new Map<string, number>();
      levels.push(appended);
      let result: R;
      try {
        result = fn(...args);
      } finally {
        levels.pop();
      }
      const parent = levels[levels.length - 1];
      if (parent) for (const [channel, seq] of appended) parent.set(channel, seq);
      else for (const [channel, seq] of appended) setHead.run(channel, channelNamespace(channel), seq);
      return result;
    };

  return {
    now() {
      lastTs = Math.max(Date.now(), lastTs);
      return lastTs;
    },
    id: (ts) => nextId(ts),
    append(channel, event, data, dataJson, ts, id = nextId(ts)) {
      const appended = levels[levels.length - 1];
      if (!appended) {
        // Outside a writer transaction nothing tells the writer of a rollback: keep no head in memory.
        heads.delete(channel);
        const seq = (head.get(channel)?.head ?? 0) + 1;
        setHead.run(channel, channelNamespace(channel), seq);
        insert.run(channel, seq, id, event, dataJson, ts);
        return { id, channel, seq, event, data, ts };
      }
      const seq = (heads.get(channel) ?? head.get(channel)?.head ?? 0) + 1;
      insert.run(channel, seq, id, event, dataJson, ts);
      heads.set(channel, seq);
      appended.set(channel, seq);
      return { id, channel, seq, event, data, ts };
    },
    transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F> {
      type Run = (...args: Parameters<F>) => ReturnType<F>;
      const tx = db.transaction(level(fn as unknown as Run));
      /** Whatever failed, a transaction or a savepoint, its heads are gone with it. */
      const guard =
        (run: Run): Run =>
        (...args) => {
          if (levels.length === 0 && heads.size > MAX_HEADS) heads.clear();
          try {
            return run(...args);
          } catch (err) {
            forgetRolledBack();
            throw err;
          }
        };
      const wrapped = Object.assign(guard(tx as unknown as Run), {
        default: guard(tx.default as unknown as Run),
        deferred: guard(tx.deferred as unknown as Run),
        immediate: guard(tx.immediate as unknown as Run),
        exclusive: guard(tx.exclusive as unknown as Run),
      });
      return wrapped as unknown as Transaction<F>;
    },
  };
}
