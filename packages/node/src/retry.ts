/**
 * When to try a request again, and how long to wait first. Only failures that may pass are
 * retried; a refusal of the request itself (`4xx`) would be refused again.
 */

/** Backoff bounds, resolved from the options. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minMs: number;
  maxMs: number;
  /** A longer `Retry-After` is not waited for: the call fails with it. */
  maxRetryAfterMs: number;
}

/**
 * Whether an HTTP status may succeed on another attempt: `429` (rate limited), `408` (the server
 * timed out reading our request) and `5xx`, except `501` (`TOKENS_DISABLED`: a configuration, not a
 * moment) and `505` (`HTTP_VERSION_NOT_SUPPORTED`).
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 429 || status === 408) return true;
  return status >= 500 && status !== 501 && status !== 505;
}

/**
 * Full-jitter backoff: before retry `n` (0-based), a random wait in [0, min(maxMs, minMs·2^n)].
 * Spreads the retries of many back ends hit by the same outage.
 * @example backoffDelay(2, { minMs: 200, maxMs: 5000 }) // somewhere in 0…800 ms
 */
export function backoffDelay(retry: number, bounds: { minMs: number; maxMs: number }, random: () => number = Math.random): number {
  const cap = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(retry, 30));
  return Math.round(random() * cap);
}

/**
 * The `Retry-After` header in milliseconds: delta-seconds (`"2"`) or an HTTP date. `undefined`
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Wait `ms`, or until `signal` aborts (then reject with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
