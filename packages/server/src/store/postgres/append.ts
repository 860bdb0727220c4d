/**
 * Assigning seqs on PostgreSQL, shared by publishes and the inbox: one statement moves the heads
 * of every channel appended to (locking their rows) and stores the messages.
 *
 * Why this keeps seq contiguous and in commit order with many nodes: `INSERT … ON CONFLICT DO
 * UPDATE SET head = channels.head + n` reads the latest committed head under the row lock (waiting
 * for any other transaction holding it), so two transactions never get overlapping seqs, and the
 * lock is held until commit, so a transaction that appends to channel c after another one commits
 * after it: per channel, commit order is seq order. Every transaction locks its channel rows in
 * one order (byte order of the name, which the "C" collation gives in SQL), so two transactions
 * appending to the same channels in opposite orders wait for each other instead of deadlocking.
 * No head is kept in memory: another node may have moved it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { channelNamespace, type Json, type Message } from '@herald/protocol';
import { ulidFactory } from '../ids.js';

/** A connection inside an open transaction. */
export type Tx = Transaction<any>;
export type Db = Kysely<any> | Tx;

/** One message to append; `id` is assigned when not given. */
export interface NewMessage {
  channel: string;
  event: string;
  data: Json;
  dataJson: string;
  id?: string | undefined;
}

/** Timestamps and ids of this process. */
export interface Clock {
  /** Epoch ms, never earlier than the last one handed out by this process. */
  now(): number;
  /** A new ULID, greater than every earlier one of this process. */
  id(ts: number): string;
}


export function createClock(): Clock {
  const nextId = ulidFactory();
  let last = 0;
  return {
    now() {
      last = Math.max(Date.now(), last);
      return last;
    },
    id: (ts) => nextId(ts),
  };
}

/** Compare channel names in byte order, the order of the "C" collation. */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Store `items` as the next seqs of their channels, in item order (items on the same channel get
 * ascending seqs). One statement whatever the count: the heads are moved (and their rows locked)
 * and the messages stored together, so on a connection outside a transaction it commits by itself.
 */
export async function appendMessages(db: Db, items: readonly NewMessage[], ts: number, clock: Clock): Promise<Message[]> {
  if (items.length === 0) return [];
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.channel, (counts.get(item.channel) ?? 0) + 1);
  // Each item's seq relative to its channel's new head: the last item of a channel is the head.
  const seen = new Map<string, number>();
  const offsets = items.map((item) => {
    const k = (seen.get(item.channel) ?? 0) + 1;
    seen.set(item.channel, k);
    return k - counts.get(item.channel)!;
  });
  const ids = items.map((item) => item.id ?? clock.id(ts));
  const names = [...counts.keys()].sort(byteOrder);
  const { rows } = await sql<{ name: string; head: number }>`
    WITH heads AS (
      INSERT INTO channels (name, ns, head)
      SELECT t.name, t.ns, t.n
      FROM unnest(${names}::text[], ${names.map(channelNamespace)}::text[], ${names.map((n) => counts.get(n)!)}::bigint[]) AS t(name, ns, n)
      ORDER BY t.name COLLATE "C"
      ON CONFLICT (name) DO UPDATE SET head = channels.head + excluded.head
      RETURNING name, head
    ), stored AS (
      INSERT INTO messages (channel, seq, id, event, data, ts)
      SELECT t.channel, h.head + t.off, t.id, t.event, t.data, ${ts}::bigint
      FROM unnest(${items.map((i) => i.channel)}::text[], ${offsets}::bigint[], ${ids}::text[],
                  ${items.map((i) => i.event)}::text[], ${items.map((i) => i.dataJson)}::text[]) AS t(channel, off, id, event, data)
      JOIN heads h ON h.name = t.channel
    )
    SELECT name, head FROM heads`.execute(db);
  const heads = new Map(rows.map((r) => [r.name, r.head]));
  return items.map((item, i): Message => ({
    id: ids[i]!,
    channel: item.channel,
    seq: heads.get(item.channel)! + offsets[i]!,
    event: item.event,
    data: item.data,
    ts,
  }));
}
