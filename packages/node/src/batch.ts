/**
 * Splitting a batch of any length into `POST /v1/publish/batch` bodies: at most 1000 items each
 * (the server refuses more, storing nothing) and at most `maxBytes` of JSON (the server's body
 * limit). Each item is encoded once, with its idempotency key, so a retried chunk is byte for
 * byte the first attempt.
 */
import type { MAX_BATCH_ITEMS } from '@herald/protocol';
import { batchItemKey } from './idempotency.js';

/**
 * The protocol's `MAX_BATCH_ITEMS`, as a literal: importing the value would load the protocol's
 * zod schemas at run time. The annotation fails to compile if the protocol's limit changes.
 */
export const BATCH_LIMIT: typeof MAX_BATCH_ITEMS = 1000;

/** One request of a split batch. */
export interface BatchChunk {
  /** Index, in the caller's array, of the chunk's first item. */
  start: number;
  /** Number of items. */
  count: number;
  /** The request body: `{"items":[…]}`. */
  body: string;
}

/** UTF-8 length of a string, without allocating its bytes. */
function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const ENVELOPE_BYTES = '{"items":[]}'.length;

/**
 * Encode `items` into chunks. An item without `idempotencyKey` gets `callKey:index`, so its key
 * is unique in the call and stable across the call's retries.
 */
export function splitBatch(items: readonly object[], callKey: string, maxBytes: number, maxItems: number = BATCH_LIMIT): BatchChunk[] {
  const chunks: BatchChunk[] = [];
  let parts: string[] = [];
  let start = 0;
  let bytes = ENVELOPE_BYTES;
  const flush = () => {
    if (parts.length === 0) return;
    chunks.push({ start, count: parts.length, body: `{"items":[${parts.join(',')}]}` });
    start += parts.length;
    parts = [];
    bytes = ENVELOPE_BYTES;
  };
  items.forEach((item, index) => {
    const withKey = (item as { idempotencyKey?: unknown }).idempotencyKey === undefined ? { ...item, idempotencyKey: batchItemKey(callKey, index) } : item;
    const json = JSON.stringify(withKey);
    const size = utf8Length(json) + 1;
    // An item alone over maxBytes still goes, alone: the server is the one to judge it.
    if (parts.length === maxItems || (parts.length > 0 && bytes + size > maxBytes)) flush();
    parts.push(json);
    bytes += size;
  });
  flush();
  return chunks;
}
