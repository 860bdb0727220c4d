/** Small pieces every scenario uses: ids, times and the validation of ids in URLs. */
import { randomBytes } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';
import { z } from 'zod';

const monotonic = monotonicFactory();

/**
 * A new record id: a ULID, so ids sort by creation time (even within one millisecond).
 * Seed data passes the record's past time, so seeds sort before what happens later.
 */
export const newId = (at?: number): string => (at === undefined ? monotonic() : ulid(at));

/** Now, as an ISO time (how every record stores its times). */
export const nowIso = (): string => new Date().toISOString();

/** Epoch ms `minutes` ago, for seed data. */
export const minutesAgo = (minutes: number): number => Date.now() - minutes * 60_000;

/** An epoch-ms time as ISO. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A random url-safe id that is also valid in a channel name (`session:{id}`); 72 bits. */
export const randomToken = (): string => randomBytes(9).toString('base64url');

/**
 * An id that ends up in a channel name or a token `sub` (`market:client-{id}`, `jobs:{user}`):
 * channel characters without `:`, so an id can never look like a namespace.
 */
export const idSchema = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'an id is 1–64 characters of A-Z a-z 0-9 _ . @ -');

/** A positive integer id written in a URL (`/api/restaurants/7`). */
export const intParam = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'a positive integer')
  .transform(Number);

/** A positive integer in a body: a number, or digits in a string (as forms send them). */
export const intValue = z.union([z.number().int().positive(), intParam]);

/** Records newest first by their ULID id, at most `limit` of them. */
export function newestFirst<T extends { id: string }>(items: Iterable<T>, limit = Infinity): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, limit);
}
