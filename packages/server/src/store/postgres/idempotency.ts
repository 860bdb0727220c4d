/**
 * Idempotency keys on PostgreSQL, safe when two nodes get the same key at the same moment.
 *
 * A key is claimed by inserting its row in the transaction that stores the answer, before
 * anything is stored: when another transaction holds the same key uncommitted, PostgreSQL makes the
 * insert wait for it. If that transaction commits, the key is taken and the next statement (a new
 * snapshot, READ COMMITTED) reads its answer; if it rolls back, the insert goes through. The row is
 * inserted with an empty answer and given its real one before commit, so no reader ever sees the
 * empty answer. An expired row that retention has not removed yet is taken over, as on SQLite.
 */
import { sql } from 'kysely';
import { IDEMPOTENCY_TTL_MS, type PublishedRef } from '@herald/protocol';
import type { Tx } from './append.js';

/** The answer a key already has: the original refs, or a conflict when the request differs. */
export type Seen = { kind: 'replayed'; refs: PublishedRef[] } | { kind: 'conflict' };

/** A key taken earlier: the request it was taken for and the answer it got. */
export interface Taken {
  fingerprint: string;
  refs: PublishedRef[];
}

/** What a request with `fingerprint` answers when its key was `taken`. */
export const answerOf = (taken: Taken, fingerprint: string): Seen =>
  taken.fingerprint === fingerprint ? { kind: 'replayed', refs: taken.refs } : { kind: 'conflict' };

/** Rows removed by retention between the claim and the read are claimed again, at most this often. */
const CLAIM_ROUNDS = 3;

/**
 * Claim `keys` (key → fingerprint) in `tx`. Answers each key that was already taken, with what it
 * was taken for; the keys absent from the answer are now this transaction's, to be given their
 * refs by {@link rememberKeys}.
 */
export async function claimKeys(tx: Tx, keys: ReadonlyMap<string, string>, now: number): Promise<Map<string, Taken>> {
  const seen = new Map<string, Taken>();
  let open = [...keys.keys()];
  for (let round = 0; open.length > 0; round++) {
    if (round === CLAIM_ROUNDS) throw new Error('idempotency keys kept vanishing while being claimed');
    const claimed = await sql<{ key: string }>`
      INSERT INTO idempotency (key, fingerprint, response, expires_at)
      SELECT t.key, t.fingerprint, '', ${now + IDEMPOTENCY_TTL_MS}::bigint
      FROM unnest(${open}::text[], ${open.map((k) => keys.get(k)!)}::text[]) AS t(key, fingerprint)
      ORDER BY t.key COLLATE "C"
      ON CONFLICT (key) DO UPDATE
        SET fingerprint = excluded.fingerprint, response = excluded.response, expires_at = excluded.expires_at
        WHERE idempotency.expires_at <= ${now}::bigint
      RETURNING key`.execute(tx);
    const mine = new Set(claimed.rows.map((r) => r.key));
    const taken = open.filter((k) => !mine.has(k));
    if (taken.length === 0) break;
    const rows = await sql<{ key: string; fingerprint: string; response: string }>`
      SELECT key, fingerprint, response FROM idempotency WHERE key = ANY(${taken}::text[])`.execute(tx);
    for (const row of rows.rows) {
      seen.set(row.key, { fingerprint: row.fingerprint, refs: JSON.parse(row.response) as PublishedRef[] });
    }
    open = taken.filter((k) => !seen.has(k));
  }
  return seen;
}

/** Give the keys claimed in `tx` their answers (before `tx` commits). */
export async function rememberKeys(tx: Tx, answers: ReadonlyMap<string, PublishedRef[]>): Promise<void> {
  if (answers.size === 0) return;
  const keys = [...answers.keys()];
  await sql`
    UPDATE idempotency SET response = t.response
    FROM unnest(${keys}::text[], ${keys.map((k) => JSON.stringify(answers.get(k)))}::text[]) AS t(key, response)
    WHERE idempotency.key = t.key`.execute(tx);
}
