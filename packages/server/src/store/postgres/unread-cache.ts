/**
 * Unread counts on PostgreSQL without counting 10,000 rows per badge, and exact with other nodes
 * writing.
 *
 * Why a cached count stays exact: everything the count depends on changes only in a transaction
 * that also appends a message to one of the viewer's channels, so it moves that channel's head:
 * a notification is created with its `notification:new` on its channel; every state change and
 * preference change of the user commits with a `notification:*` message on `user:{sub}`. Heads
 * only grow. So a count taken together with the heads of the viewer's channels (one statement, one
 * snapshot) is still the count for as long as those heads and the muted types are unchanged, and
 * until the next expiry on those channels passes (retention only removes expired notifications,
 * which the count already leaves out). Each call checks the heads and the muted types in one
 * small query (a few primary-key lookups) and counts again only when something moved.
 */
import { sql, type Kysely } from 'kysely';
import { userChannel } from '@herald/protocol';
import type { InboxViewer } from '../inbox-store.js';
import { firstTargetOf } from './inbox-queries.js';

interface Entry {
  unread: number;
  /** Heads of the viewer's channels and the muted types, as of the count. */
  version: string;
  /** The count stops being valid when this expiry passes (epoch ms). */
  validUntil: number;
}

/** Viewers whose counts are kept; the least recently used go first. */
const MAX_ENTRIES = 100_000;

/** The user's muted types as a text[] (stored as a JSON array), read in the same statement. */
const mutedOf = (sub: string) =>
  sql`ARRAY(SELECT json_array_elements_text(coalesce((SELECT muted_types FROM preferences WHERE sub = ${sub}), '[]')::json))`;

/** What the count depends on: heads of `channels` and the muted types, one text. */
const versionSql = (sub: string, channels: string[]) => sql<string>`
  coalesce((SELECT muted_types FROM preferences WHERE sub = ${sub}), '[]') || '|' ||
  coalesce((SELECT string_agg(name || '=' || head, ',' ORDER BY name) FROM channels WHERE name = ANY(${channels}::text[])), '')`;

export interface UnreadCache {
  /** The unread count of `viewer` at `now`, counting again only when it may have changed. */
  count(viewer: InboxViewer, now: number): Promise<number>;
}

export function createUnreadCache(kysely: Kysely<any>): UnreadCache {
  const entries = new Map<string, Entry>();

  const compute = async (viewer: InboxViewer, channels: string[], now: number): Promise<Entry> => {
    const { rows } = await sql<{ unread: number; version: string; next_expiry: number | null }>`
      SELECT
        (SELECT count(*) FROM notifications n
         WHERE n.channel = ANY(${[...new Set(viewer.channels)]}::text[])
           AND (n.expires_at IS NULL OR n.expires_at > ${now}::bigint)
           AND n.type <> ALL(${mutedOf(viewer.sub)})
           AND NOT EXISTS (SELECT 1 FROM notification_state s
                           WHERE s.sub = ${viewer.sub} AND s.notification_id = n.id
                             AND (s.read_at IS NOT NULL OR s.deleted_at IS NOT NULL))
           AND ${firstTargetOf(viewer)}) AS unread,
        (${versionSql(viewer.sub, channels)}) AS version,
        (SELECT min(expires_at) FROM notifications
         WHERE channel = ANY(${channels}::text[]) AND expires_at > ${now}::bigint) AS next_expiry`.execute(kysely);
    const row = rows[0]!;
    return { unread: row.unread, version: row.version, validUntil: row.next_expiry ?? Infinity };
  };

  return {
    async count(viewer, now) {
      // `user:{sub}` carries the user's state and preference changes even if the viewer omits it.
      const channels = [...new Set([...viewer.channels, userChannel(viewer.sub)])];
      const key = `${viewer.sub}|${viewer.channels.join(',')}`;
      const cached = entries.get(key);
      if (cached && now < cached.validUntil) {
        const { rows } = await sql<{ version: string }>`SELECT ${versionSql(viewer.sub, channels)} AS version`.execute(kysely);
        if (rows[0]!.version === cached.version) {
          entries.delete(key);
          entries.set(key, cached);
          return cached.unread;
        }
      }
      const entry = await compute(viewer, channels, now);
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      return entry.unread;
    },
  };
}
