/**
 * Retention on PostgreSQL: the SQLite rules (by age and by count per namespace, floors in
 * `pruned_through`, chunked deletes), made safe for every node running it at once.
 *
 * One node prunes at a time: {@link withPruneLock} takes a session advisory lock with
 * `pg_try_advisory_lock`, and a node that does not get it skips this round (another node is doing
 * the same work). Each chunk is one transaction that first locks the channel rows it touches, in
 * the same byte order appends use, so pruning and appending wait for each other instead of
 * deadlocking, and a chunk's deletes and the floors it raises commit together: a reader never sees
 * messages gone below a floor that was not raised.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { RetentionRules } from '../../config/index.js';

/** Rows per retention transaction, so a large prune never holds channel locks for long. */
const PRUNE_CHUNK = 5000;
/** `pg_try_advisory_lock(int, int)` key: Herald's class and its retention lock. */
const LOCK = { herald: 0x4852_4c44, prune: 1 } as const;

const affected = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0n);

/**
 * Run `fn` on one pinned connection while it holds the retention lock of this database; answers
 * `undefined` without running it when another session holds the lock.
 */
export async function withPruneLock<T>(kysely: Kysely<any>, fn: (db: Kysely<any>) => Promise<T>): Promise<T | undefined> {
  return kysely.connection().execute(async (db) => {
    const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${LOCK.herald}::int, ${LOCK.prune}::int) AS ok`.execute(db);
    if (!rows[0]?.ok) return undefined;
    try {
      return await fn(db);
    } finally {
      // When the connection is gone this fails too, and the lock went with the session.
      await sql`SELECT pg_advisory_unlock(${LOCK.herald}::int, ${LOCK.prune}::int)`.execute(db);
    }
  });
}

/**
 * Delete chunks of the messages `select` names (rows `channel, seq`, at most `PRUNE_CHUNK`), each
 * channel up to the highest seq of the chunk, raising each channel's floor to match.
 */
async function pruneWhere(db: Kysely<any>, select: RawBuilder<{ channel: string; seq: number }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { selected, removed } = await db.transaction().execute(async (tx) => {
      const { rows } = await select.execute(tx);
      const upTo = new Map<string, number>();
      for (const r of rows) upTo.set(r.channel, Math.max(upTo.get(r.channel) ?? 0, r.seq));
      if (upTo.size === 0) return { selected: 0, removed: 0 };
      const names = [...upTo.keys()];
      const seqs = names.map((n) => upTo.get(n)!);
      await sql`SELECT name FROM channels WHERE name = ANY(${names}::text[]) ORDER BY name FOR UPDATE`.execute(tx);
      const deleted = await sql`
        DELETE FROM messages m USING unnest(${names}::text[], ${seqs}::bigint[]) AS t(channel, upto)
        WHERE m.channel = t.channel AND m.seq <= t.upto`.execute(tx);
      await sql`
        UPDATE channels SET pruned_through = GREATEST(pruned_through, t.upto)
        FROM unnest(${names}::text[], ${seqs}::bigint[]) AS t(channel, upto) WHERE channels.name = t.channel`.execute(tx);
      return { selected: rows.length, removed: affected(deleted) };
    });
    total += removed;
    if (selected < PRUNE_CHUNK) return total;
  }
}

/** Apply `rules` to every channel and drop expired idempotency keys. */
export async function pruneChannels(db: Kysely<any>, rules: RetentionRules, now: number): Promise<{ messages: number; idempotencyKeys: number }> {
  let messages = 0;
  const named = Object.keys(rules).filter((ns) => ns !== '*');
  for (const [ns, rule] of Object.entries(rules)) {
    const inNamespace = ns === '*' ? sql`ns <> ALL(${named}::text[])` : sql`ns = ${ns}`;
    // By age: the oldest messages first, so each channel loses a prefix.
    messages += await pruneWhere(
      db,
      sql`SELECT channel, seq FROM messages
          WHERE ts < ${now - rule.ttlMs}::bigint AND channel IN (SELECT name FROM channels WHERE ${inNamespace})
          ORDER BY ts LIMIT ${PRUNE_CHUNK}`,
    );
    // By count: keep the newest maxCount of each channel (the head read again in each chunk).
    const { rows: over } = await sql<{ name: string }>`
      SELECT name FROM channels WHERE ${inNamespace} AND head - pruned_through > ${rule.maxCount}::bigint`.execute(db);
    for (const { name } of over) {
      messages += await pruneWhere(
        db,
        sql`SELECT channel, seq FROM messages
            WHERE channel = ${name} AND seq <= (SELECT head FROM channels WHERE name = ${name}) - ${rule.maxCount}::bigint
            ORDER BY seq LIMIT ${PRUNE_CHUNK}`,
      );
    }
  }
  let idempotencyKeys = 0;
  for (;;) {
    // `expires_at <= now` on the deleted row itself, so a key taken over meanwhile is rechecked and kept.
    const gone = affected(
      await sql`DELETE FROM idempotency WHERE expires_at <= ${now}::bigint
                AND key IN (SELECT key FROM idempotency WHERE expires_at <= ${now}::bigint LIMIT ${PRUNE_CHUNK})`.execute(db),
    );
    idempotencyKeys += gone;
    if (gone < PRUNE_CHUNK) return { messages, idempotencyKeys };
  }
}
