/**
 * The inbox's SQL on PostgreSQL, as kysely raw builders. A page and the unread count answered
 * beside it are two reads (the count mostly from the badge cache): a change committed between
 * them shows in one and not yet in the other, as it would a moment later on any device; the
 * `notification:*` message of that change follows and settles it.
 */
import { sql, type RawBuilder } from 'kysely';
import type { InboxViewer } from '../inbox-store.js';
import { AFTER_ALL_IDS, type NotificationRow, type StateColumn, type TargetState } from '../rows.js';

/** The viewer's inbox channels, each once. */
const channelsOf = (viewer: InboxViewer) => [...new Set(viewer.channels)];

/**
 * Row `n` is the viewer's row of its notification (see `rows.ts`): its only row, or no row of the
 * same id on a channel that sorts before it is one of the viewer's channels. So a notification
 * addressed to several of them is one item, counted once.
 */
export const firstTargetOf = (viewer: InboxViewer) => sql`(n.targets = 1 OR NOT EXISTS (
  SELECT 1 FROM notifications m
  WHERE m.id = n.id AND m.channel < n.channel AND m.channel = ANY(${channelsOf(viewer)}::text[])))`;

/**
 * The unread count, counted by SQL each time (no cache: another node may have created, read or
 * deleted since). An index-only scan of `notifications_channel` per channel, anti-joined with the
 * partial index of read or deleted state rows of the user.
 */
export function unreadQuery(viewer: InboxViewer, muted: readonly string[], now: number): RawBuilder<{ unread: number }> {
  return sql<{ unread: number }>`
    SELECT count(*) AS unread FROM notifications n
    WHERE n.channel = ANY(${channelsOf(viewer)}::text[])
      AND (n.expires_at IS NULL OR n.expires_at > ${now}::bigint)
      AND n.type <> ALL(${[...muted]}::text[])
      AND NOT EXISTS (SELECT 1 FROM notification_state s
                      WHERE s.sub = ${viewer.sub} AND s.notification_id = n.id
                        AND (s.read_at IS NOT NULL OR s.deleted_at IS NOT NULL))
      AND ${firstTargetOf(viewer)}`;
}

export interface PageQuery {
  status: 'unread' | 'read' | 'all';
  archived: 'true' | 'false' | 'all';
  /** Rows asked for: one more than the page, to know whether another page follows. */
  rows: number;
  before: string | undefined;
}

/**
 * A page, newest first: the newest candidates of each channel from the index (a lateral walk per
 * channel, like SQLite's statement per channel), merged. The unread count beside it comes from
 * the badge cache (`unread-cache.ts`): counting 10,000 items again for every page would cost
 * more than the page.
 */
export function pageQuery(viewer: InboxViewer, now: number, q: PageQuery): RawBuilder<NotificationRow> {
  return sql<NotificationRow>`
      SELECT x.* FROM unnest(${channelsOf(viewer)}::text[]) AS c(name)
      CROSS JOIN LATERAL (
        SELECT n.id, n.channel, n.type, n.title, n.body, n.data, n.action_url, n.priority, n.created_at, n.expires_at,
               s.read_at, s.seen_at, s.archived_at
        FROM notifications n
        -- The user's state of each candidate by its key, as the walk reaches it (LIMIT 1 keeps the
        -- planner from turning it into a join that sorts all of the user's state rows).
        LEFT JOIN LATERAL (
          SELECT st.read_at, st.seen_at, st.archived_at, st.deleted_at FROM notification_state st
          WHERE st.sub = ${viewer.sub} AND st.notification_id = n.id LIMIT 1
        ) s ON true
        WHERE n.channel = c.name AND n.id < ${q.before ?? AFTER_ALL_IDS}
          AND (n.expires_at IS NULL OR n.expires_at > ${now}::bigint)
          AND s.deleted_at IS NULL
          AND (${q.status}::text = 'all' OR (${q.status}::text = 'unread') = (s.read_at IS NULL))
          AND (${q.archived}::text = 'all' OR (${q.archived}::text = 'true') = (s.archived_at IS NOT NULL))
          AND ${firstTargetOf(viewer)}
        ORDER BY n.id DESC
        LIMIT ${q.rows}::bigint
      ) x
      ORDER BY x.id DESC
      LIMIT ${q.rows}::bigint`;
}

/** What an update needs of each id: where it is (each of its rows), and the caller's state of it. */
export interface StateRow extends TargetState {
  id: string;
}

export function statesQuery(sub: string, ids: readonly string[]): RawBuilder<StateRow> {
  return sql<StateRow>`
    SELECT n.id, n.channel, n.type, n.expires_at, s.read_at, s.seen_at, s.archived_at, s.deleted_at
    FROM notifications n LEFT JOIN notification_state s ON s.sub = ${sub} AND s.notification_id = n.id
    WHERE n.id = ANY(${[...ids]}::text[])`;
}


/** Set `column` of the user's state of `ids` (in id order) to `value`. */
export function setStateQuery(sub: string, ids: readonly string[], column: StateColumn, value: number | null): RawBuilder<unknown> {
  const col = sql.raw(column);
  return sql`
    INSERT INTO notification_state (sub, notification_id, ${col})
    SELECT ${sub}, t.id, ${value}::bigint FROM unnest(${[...ids]}::text[]) AS t(id)
    ORDER BY t.id COLLATE "C"
    ON CONFLICT (sub, notification_id) DO UPDATE SET ${col} = excluded.${col}`;
}

/** Mark read every unread, live item of the viewer's channels created at or before `before`. */
export function readAllQuery(viewer: InboxViewer, before: number, now: number): RawBuilder<unknown> {
  return sql`
    INSERT INTO notification_state (sub, notification_id, read_at)
    SELECT ${viewer.sub}, n.id, ${now}::bigint FROM notifications n
    LEFT JOIN notification_state s ON s.sub = ${viewer.sub} AND s.notification_id = n.id
    WHERE n.channel = ANY(${channelsOf(viewer)}::text[]) AND n.created_at <= ${before}::bigint
      AND (n.expires_at IS NULL OR n.expires_at > ${now}::bigint)
      AND s.read_at IS NULL AND s.deleted_at IS NULL
      AND ${firstTargetOf(viewer)}
    ORDER BY n.id
    ON CONFLICT (sub, notification_id) DO UPDATE SET read_at = excluded.read_at`;
}
