/**
 * What a PostgreSQL failure means to Herald's callers: "the database cannot be reached" becomes
 * `UNAVAILABLE` (503, retry later); a deadlock or serialization failure is retried here; anything
 * else is a bug and stays as it is (INTERNAL).
 */
import { HeraldError } from '@herald/protocol';

/** SQLSTATE classes and codes that mean the connection, not the statement, failed. */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** pg's own messages for a client whose connection is gone or could not be made in time. */
const LOST = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed|Connection terminated unexpectedly/i;

const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;

/** True when `err` says the database is unreachable or dropped the connection (not a bad statement). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof HeraldError) return false;
  const code = codeOf(err);
  if (code !== undefined && (CONNECTION_STATES.has(code) || SOCKET_CODES.has(code))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return err instanceof Error && LOST.test(err.message);
}

/** `UNAVAILABLE` for a lost database, the error itself otherwise. */
export function mapError(err: unknown): unknown {
  return isConnectionError(err) ? new HeraldError('UNAVAILABLE', 'The database is unavailable') : err;
}

/** Run `fn`, answering a lost database as `UNAVAILABLE`. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapError(err);
  }
}

/** Deadlock detected / serialization failure: PostgreSQL rolled the transaction back, run it again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/**
 * Run a whole transaction `fn` (which opens and commits its own), again when PostgreSQL aborts it
 * for a deadlock or a serialization failure; lost connections answer `UNAVAILABLE`. Herald's
 * writers lock in one order, so a retry here is a rare safety net, not a routine path.
 */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = codeOf(err);
      if (attempt < ATTEMPTS && code !== undefined && RETRYABLE.has(code)) {
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
        continue;
      }
      throw mapError(err);
    }
  }
}
