import type { Database } from 'better-sqlite3';
import { IDEMPOTENCY_TTL_MS, type PublishedRef } from '@herald/protocol';

/** Idempotency keys on SQLite; call inside the transaction that stores the answer. */
export interface IdempotencyTable {
  /** The stored answer of `key`, or `conflict` when it was used with another request. */
  check(key: string, fingerprint: string, now: number): { kind: 'replayed'; refs: PublishedRef[] } | { kind: 'conflict' } | undefined;
  remember(key: string, fingerprint: string, refs: PublishedRef[], now: number): void;
}

export function createIdempotencyTable(db: Database): IdempotencyTable {
  const get = db.prepare<[string, number], { fingerprint: string; response: string }>(
    'SELECT fingerprint, response FROM idempotency WHERE key = ? AND expires_at > ?',
  );
  const put = db.prepare('INSERT OR REPLACE INTO idempotency (key, fingerprint, response, expires_at) VALUES (?, ?, ?, ?)');
  return {
    check(key, fingerprint, now) {
      const seen = get.get(key, now);
      if (!seen) return undefined;
      return seen.fingerprint === fingerprint
        ? { kind: 'replayed', refs: JSON.parse(seen.response) as PublishedRef[] }
        : { kind: 'conflict' };
    },
    remember(key, fingerprint, refs, now) {
      put.run(key, fingerprint, JSON.stringify(refs), now + IDEMPOTENCY_TTL_MS);
    },
  };
}
