/**
 * Idempotency keys the SDK makes up for calls that were given none. One key per call, reused by
 * every retry of that call: when an answer is lost on the way back, the retry is answered from
 * Herald's idempotency store (the first result) instead of publishing a second time.
 */

/**
 * A new random key (a UUID v4, from the Web Crypto API that Node 20 and edge runtimes share).
 * Herald's limit is 1–200 printable ASCII characters: 36 here, with room for a batch item's suffix.
 */
export function newIdempotencyKey(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof crypto?.randomUUID !== 'function') {
    throw new TypeError('@herald/node needs globalThis.crypto.randomUUID (Node 20+, edge runtimes), or an idempotencyKey on each call');
  }
  return crypto.randomUUID();
}

/** The key of item `index` of a batch call whose key is `callKey`: unique across the call's chunks. */
export const batchItemKey = (callKey: string, index: number): string => `${callKey}:${index}`;
