/** JSON value, as carried in a message's `data`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Largest `data` accepted, measured as its UTF-8 JSON encoding. */
export const MAX_DATA_BYTES = 64 * 1024;

/**
 * Deepest nesting accepted in `data`: `{"a":{"b":1}}` is 2 levels, a scalar 0. Deeper data is
 * refused with `VALIDATION_FAILED` before anything recursive (JSON encoding, fingerprints) reads
 * it. 64 is far beyond what application payloads use, and leaves room for the envelope (a
 * notification's `data` is delivered two levels down) under the common parser limits of client
 * languages (Ruby's `max_nesting` 100, .NET's `MaxDepth` 64 counted from the data, serde's 128).
 */
export const MAX_DATA_DEPTH = 64;

/**
 * Whether `value` nests arrays and objects at most `max` levels deep (see `MAX_DATA_DEPTH`).
 * Iterative, so a hostile value nested a million levels deep is answered without recursion,
 * and it stops at the first path deeper than `max`.
 * @example isWithinDepth({ a: [1] }, 2) // true
 * @example isWithinDepth([[[]]], 2) // false
 */
export function isWithinDepth(value: unknown, max: number = MAX_DATA_DEPTH): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return false;
    // Own enumerable values only, as JSON.parse makes them (a `__proto__` key included).
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

/** Most items in one `POST /v1/publish/batch`. */
export const MAX_BATCH_ITEMS = 1000;

/** Most messages one `subscribe` ack, history page or sync answer carries per channel. */
export const MAX_REPLAY = 1000;

/** Longest a `/v1/sync` long-poll may wait, in seconds. */
export const MAX_SYNC_WAIT_SECONDS = 25;

/** How long an idempotency key is remembered, in milliseconds (24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A message on a channel, as stored and delivered.
 *
 * `seq` starts at 1 and grows by exactly 1 per message on its channel; `id` is globally unique.
 */
export interface Message<E extends string = string, D = Json> {
  /** Globally unique id (ULID). */
  id: string;
  /** The channel the message was published on. */
  channel: string;
  /** Position on the channel: 1, 2, 3… without gaps. */
  seq: number;
  /** The application's event name, e.g. `order:created`. */
  event: E;
  /** Any JSON value, at most 64 KiB encoded. */
  data: D;
  /** When Herald stored it, epoch milliseconds. */
  ts: number;
}

/** Where a published message landed. */
export interface PublishedRef {
  channel: string;
  seq: number;
  id: string;
}

/** `GET /v1/channels/{channel}/history` answer: messages after `since` (or the latest ones), and the channel's head. */
export interface HistoryResult {
  messages: Message[];
  /** The channel's highest seq (0 if nothing was ever published). */
  head: number;
}
