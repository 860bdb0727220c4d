/**
 * Exact unread counts without counting 10,000 rows per request.
 *
 * A user's count is computed once (per set of inbox channels and muted types) together with, per
 * channel, the newest notification id it covered (its mark) and the earliest future expiry on
 * those channels. Later calls only count notifications newer than each mark, and recompute when
 * an expiry passes. State changes keep it exact: `onRead` decrements for items it covered, and
 * anything else (`forget`) recomputes. Everything runs inside better-sqlite3's synchronous calls,
 * so no write can slip between a count and its marks.
 */
import type { Database } from 'better-sqlite3';
import { firstTarget, type NotificationTarget } from '../rows.js';
import { FIRST_TARGET } from './first-target.js';

export interface UnreadCounter {
  /** The unread count of `sub` over `channels`, not counting `muted` types. */
  count(sub: string, channels: readonly string[], muted: readonly string[], now: number): number;
  /** A notification was created on `channel`. */
  onCreate(channel: string, id: string): void;
  /**
   * `id` stopped being unread for `sub` (read or deleted while unread, not muted). `targets` are
   * its rows: each cached count covers it through its first target among that count's channels.
   */
  onRead(sub: string, id: string, targets: readonly NotificationTarget[]): void;
  /** Drop what is known of `sub` (read-all, preferences). */
  forget(sub: string): void;
}

interface Entry {
  unread: number;
  marks: Map<string, string>;
  validUntil: number;
}

/** Users whose counts are kept; the least recently used go first. */
const MAX_USERS = 100_000;
/** Lower bound of ULIDs: a channel with no notification has this mark. */
const BEFORE_ALL_IDS = '';

const UNREAD_WHERE = `n.channel = @channel AND n.id > @after
  AND (n.expires_at IS NULL OR n.expires_at > @now)
  AND n.type NOT IN (SELECT value FROM json_each(@muted))
  AND NOT EXISTS (SELECT 1 FROM notification_state s
                  WHERE s.user = @user AND s.notification_id = n.id
                    AND (s.read_at IS NOT NULL OR s.deleted_at IS NOT NULL))
  AND ${FIRST_TARGET}`;

export function createUnreadCounter(db: Database): UnreadCounter {
  type Params = { channel: string; channels: string; after: string; now: number; muted: string; user: string };
  const countAfter = db.prepare<Params, { n: number; e: number | null }>(
    `SELECT COUNT(*) AS n, MIN(n.expires_at) AS e FROM notifications n WHERE ${UNREAD_WHERE}`,
  );
  const newest = db.prepare<[string], { id: string | null }>('SELECT MAX(id) AS id FROM notifications WHERE channel = ?');
  const nextExpiry = db.prepare<[string, number], { e: number | null }>(
    'SELECT MIN(expires_at) AS e FROM notifications WHERE channel = ? AND expires_at > ?',
  );
  /** Newest id created per channel since start; a channel absent here got nothing new since. */
  const latest = new Map<string, string>();
  const users = new Map<string, Map<string, Entry>>();

  const touch = (sub: string): Map<string, Entry> => {
    let entries = users.get(sub);
    if (entries) users.delete(sub);
    else entries = new Map();
    users.set(sub, entries);
    if (users.size > MAX_USERS) users.delete(users.keys().next().value!);
    return entries;
  };

  const compute = (sub: string, channels: readonly string[], all: string, muted: string, now: number): Entry => {
    const entry: Entry = { unread: 0, marks: new Map(), validUntil: Infinity };
    for (const channel of channels) {
      const mark = newest.get(channel)?.id ?? BEFORE_ALL_IDS;
      entry.unread += countAfter.get({ channel, channels: all, after: BEFORE_ALL_IDS, now, muted, user: sub })!.n;
      entry.marks.set(channel, mark);
      const e = nextExpiry.get(channel, now)?.e;
      if (e != null) entry.validUntil = Math.min(entry.validUntil, e);
    }
    return entry;
  };

  return {
    count(sub, channels, mutedTypes, now) {
      const muted = JSON.stringify(mutedTypes);
      const all = JSON.stringify(channels);
      const key = `${all}|${muted}`;
      const entries = touch(sub);
      let entry = entries.get(key);
      if (!entry || now >= entry.validUntil) {
        entry = compute(sub, channels, all, muted, now);
        entries.set(key, entry);
        return entry.unread;
      }
      for (const channel of channels) {
        const newestId = latest.get(channel);
        const mark = entry.marks.get(channel)!;
        if (newestId === undefined || newestId <= mark) continue;
        const delta = countAfter.get({ channel, channels: all, after: mark, now, muted, user: sub })!;
        entry.unread += delta.n;
        entry.marks.set(channel, newestId);
        if (delta.e != null) entry.validUntil = Math.min(entry.validUntil, delta.e);
      }
      return entry.unread;
    },

    onCreate(channel, id) {
      latest.set(channel, id);
    },

    onRead(sub, id, targets) {
      for (const entry of users.get(sub)?.values() ?? []) {
        // The count's channels are the keys of its marks.
        const counted = firstTarget(targets, entry.marks);
        const mark = counted && entry.marks.get(counted.channel);
        // Covered items leave the count; newer ones were never in it and now count as read.
        if (mark !== undefined && id <= mark) entry.unread--;
      }
    },

    forget(sub) {
      users.delete(sub);
    },
  };
}
