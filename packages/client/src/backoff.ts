/**
 * Full-jitter exponential backoff: attempt n waits a random time in [0, min(max, min·2^n)].
 * Spreads reconnecting clients so a restarted server is not hit by all of them at once.
 */
export interface Backoff {
  /** The next delay, ms; each call counts an attempt. */
  next(): number;
  reset(): void;
}

export function fullJitter(minMs = 500, maxMs = 30_000, random: () => number = Math.random): Backoff {
  let attempt = 0;
  return {
    next() {
      const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt++, 30));
      return Math.round(random() * cap);
    },
    reset() {
      attempt = 0;
    },
  };
}
