/**
 * The inbox on SQLite. Queries go through prepared better-sqlite3 statements (the unread count is
 * on the hot path of every badge), one per channel of the viewer, each walking the
 * `(channel, id, type, expires_at, targets)` index newest first; pages are merged here. Each
 * statement keeps only the viewer's row of a notification with several targets (`FIRST_TARGET`,
 * see `rows.ts`), so a notification is one item however many of its channels the viewer reads.
 */
import type { Database, Statement } from 'better-sqlite3';
import {
  HeraldError,
  INBOX_EVENTS,
  type InboxAction,
  type Json,
  type Message,
  type NotificationDeleted,
  type NotificationUpdated,
  type PublishedRef,
} from '@herald/protocol';
import { userChannel } from '@herald/protocol';
import type { CreateOutcome, InboxChange, InboxStore, InboxViewer } from '../inbox-store.js';
import { ACTIONS, AFTER_ALL_IDS, FIELDS, firstTarget, iso, notificationOf, toNotification, type NotificationRow, type TargetState } from '../rows.js';
import type { IdempotencyTable } from './idempotency.js';
import { FIRST_TARGET } from './first-target.js';
import { createUnreadCounter } from './unread-counter.js';
import type { MessageWriter } from './writer.js';

const PRUNE_CHUNK = 5000;

export function createSqliteInboxStore(db: Database, writer: MessageWriter, idempotency: IdempotencyTable): InboxStore {
  const insertNotification = db.prepare(
    `INSERT INTO notifications (id, channel, seq, type, title, body, data, action_url, priority, created_at, expires_at, targets)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const prefsGet = db.prepare<[string], { muted_types: string }>('SELECT muted_types FROM preferences WHERE user = ?');
  const prefsPut = db.prepare(
    'INSERT INTO preferences (user, muted_types) VALUES (?, ?) ON CONFLICT (user) DO UPDATE SET muted_types = excluded.muted_types',
  );
  // A page: the candidate ids of each channel from the index, merged, then only the winners loaded.
  const listChannel = db.prepare<
    { channel: string; channels: string; now: number; user: string; before: string; status: string; archived: string; limit: number },
    { id: string; channel: string }
  >(
    `SELECT n.id, n.channel FROM notifications n
     LEFT JOIN notification_state s ON s.user = @user AND s.notification_id = n.id
     WHERE n.channel = @channel AND n.id < @before
       AND (n.expires_at IS NULL OR n.expires_at > @now)
       AND s.deleted_at IS NULL
       AND (@status = 'all' OR (@status = 'unread') = (s.read_at IS NULL))
       AND (@archived = 'all' OR (@archived = 'true') = (s.archived_at IS NOT NULL))
       AND ${FIRST_TARGET}
     ORDER BY n.id DESC
     LIMIT @limit`,
  );
  const loadItem = db.prepare<[string, string, string], NotificationRow>(
    `SELECT n.id, n.channel, n.type, n.title, n.body, n.data, n.action_url, n.priority, n.created_at, n.expires_at,
            s.read_at, s.seen_at, s.archived_at
     FROM notifications n LEFT JOIN notification_state s ON s.user = ? AND s.notification_id = n.id
     WHERE n.id = ? AND n.channel = ?`,
  );
  /** Every row of a notification (one per target) with the user's state of it. */
  const getForUpdate = db.prepare<[string, string], TargetState>(
    `SELECT n.channel, n.type, n.expires_at, s.read_at, s.seen_at, s.archived_at, s.deleted_at
     FROM notifications n LEFT JOIN notification_state s ON s.user = ? AND s.notification_id = n.id
     WHERE n.id = ?`,
  );
  const setState = Object.fromEntries(
    (['read_at', 'seen_at', 'archived_at', 'deleted_at'] as const).map((col) => [
      col,
      db.prepare<[string, string, number | null]>(
        `INSERT INTO notification_state (user, notification_id, ${col}) VALUES (?, ?, ?)
         ON CONFLICT (user, notification_id) DO UPDATE SET ${col} = excluded.${col}`,
      ),
    ]),
  ) as Record<'read_at' | 'seen_at' | 'archived_at' | 'deleted_at', Statement<[string, string, number | null]>>;
  const readAllChannel = db.prepare(
    `INSERT INTO notification_state (user, notification_id, read_at)
     SELECT @user, n.id, @now FROM notifications n
     LEFT JOIN notification_state s ON s.user = @user AND s.notification_id = n.id
     WHERE n.channel = @channel AND n.created_at <= @before
       AND (n.expires_at IS NULL OR n.expires_at > @now)
       AND s.read_at IS NULL AND s.deleted_at IS NULL
       AND ${FIRST_TARGET}
     ON CONFLICT (user, notification_id) DO UPDATE SET read_at = excluded.read_at`,
  );
  const expiredChunk = db.prepare<[number], { id: string }>(
    `SELECT DISTINCT id FROM notifications WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ${PRUNE_CHUNK}`,
  );
  const deleteState = db.prepare('DELETE FROM notification_state WHERE notification_id = ?');
  const deleteNotification = db.prepare('DELETE FROM notifications WHERE id = ?');

  const mutedOf = (sub: string): string[] => {
    const row = prefsGet.get(sub);
    return row ? (JSON.parse(row.muted_types) as string[]) : [];
  };

  const counter = createUnreadCounter(db);
  const unreadOf = (viewer: InboxViewer, now: number, muted: string[] = mutedOf(viewer.sub)): number =>
    counter.count(viewer.sub, viewer.channels, muted, now);

  /** Append a `notification:*` message to the user's own channel, inside the open transaction. */
  const tellDevices = (sub: string, event: string, data: NotificationUpdated | NotificationDeleted, now: number): Message =>
    writer.append(userChannel(sub), event, data as unknown as Json, JSON.stringify(data), now);

  const createTx = writer.transaction((n: Parameters<InboxStore['create']>[0]): CreateOutcome => {
    const now = writer.now();
    const seen = n.idempotency && idempotency.check(n.idempotency.key, n.idempotency.fingerprint, now);
    if (seen) return seen;
    if (n.expiresAt !== undefined && n.expiresAt <= now) {
      throw new HeraldError('VALIDATION_FAILED', undefined, [{ path: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const messages: Message[] = [];
    const dataJson = n.data === undefined ? null : JSON.stringify(n.data);
    // One id for the notification; each channel's `notification:new` message has its own.
    const id = writer.id(now);
    for (const channel of n.to) {
      const notification = notificationOf(n, id, channel, now);
      const message = writer.append(channel, INBOX_EVENTS.new, notification as unknown as Json, JSON.stringify(notification), now);
      insertNotification.run(
        id, channel, message.seq, n.type, n.title, n.body ?? null, dataJson, n.actionUrl ?? null, n.priority, now, n.expiresAt ?? null,
        n.to.length,
      );
      counter.onCreate(channel, id);
      messages.push(message);
    }
    const refs: PublishedRef[] = messages.map(({ channel, seq }) => ({ id, channel, seq }));
    if (n.idempotency) idempotency.remember(n.idempotency.key, n.idempotency.fingerprint, refs, now);
    return { kind: 'stored', refs, messages };
  });

  const updateTx = writer.transaction((viewer: InboxViewer, action: InboxAction, ids: readonly string[]): InboxChange => {
    const now = writer.now();
    const { column, set } = ACTIONS[action];
    const channels = new Set(viewer.channels);
    const unique = [...new Set(ids)];
    const missing: string[] = [];
    const changed: string[] = [];
    /** Items that stop counting as unread: read or deleted while unread and not muted. */
    const leaving: { id: string; targets: { channel: string }[] }[] = [];
    const muted = new Set(mutedOf(viewer.sub));
    for (const id of unique) {
      const targets = getForUpdate.all(viewer.sub, id);
      const row = firstTarget(targets, channels);
      if (!row || (row.expires_at !== null && row.expires_at <= now) || row.deleted_at !== null) {
        missing.push(id);
      } else if ((row[column] === null) === set) {
        changed.push(id);
        if ((column === 'read_at' || column === 'deleted_at') && row.read_at === null && !muted.has(row.type)) {
          leaving.push({ id, targets });
        }
      }
    }
    // Unknown, foreign, expired and deleted ids are all just "not found": nothing leaks, nothing changes.
    if (missing.length > 0) throw new HeraldError('NOT_FOUND', 'Some ids are not in this inbox', { ids: missing.slice(0, 50) });
    for (const id of changed) setState[column].run(viewer.sub, id, set ? now : null);
    for (const { id, targets } of leaving) counter.onRead(viewer.sub, id, targets);
    const unread = unreadOf(viewer, now, [...muted]);
    if (changed.length === 0) return { updated: 0, unread, message: undefined };
    let message: Message;
    if (action === 'delete') {
      message = tellDevices(viewer.sub, INBOX_EVENTS.deleted, { ids: changed, unread }, now);
    } else {
      message = tellDevices(viewer.sub, INBOX_EVENTS.updated, { ids: changed, [FIELDS[column]]: set ? iso(now) : null, unread } as NotificationUpdated, now);
    }
    return { updated: changed.length, unread, message };
  });

  const readAllTx = writer.transaction((viewer: InboxViewer, before: number | undefined): InboxChange => {
    const now = writer.now();
    const bound = Math.min(before ?? now, now);
    let updated = 0;
    const all = JSON.stringify(viewer.channels);
    for (const channel of viewer.channels) updated += readAllChannel.run({ user: viewer.sub, now, channel, channels: all, before: bound }).changes;
    counter.forget(viewer.sub);
    const unread = unreadOf(viewer, now);
    if (updated === 0) return { updated, unread, message: undefined };
    const message = tellDevices(viewer.sub, INBOX_EVENTS.updated, { ids: [], all: true, before: iso(bound), readAt: iso(now), unread }, now);
    return { updated, unread, message };
  });

  const setPreferencesTx = writer.transaction((viewer: InboxViewer, mutedTypes: readonly string[]) => {
    const now = writer.now();
    prefsPut.run(viewer.sub, JSON.stringify(mutedTypes));
    counter.forget(viewer.sub);
    const unread = unreadOf(viewer, now, [...mutedTypes]);
    const message = tellDevices(viewer.sub, INBOX_EVENTS.updated, { ids: [], mutedTypes: [...mutedTypes], unread }, now);
    return { mutedTypes: [...mutedTypes], unread, message };
  });

  return {
    async create(n) {
      return createTx(n);
    },

    async list(viewer, { status, archived, limit, before }) {
      const now = Date.now();
      const muted = mutedOf(viewer.sub);
      const mutedSet = new Set(muted);
      const rows: { id: string; channel: string }[] = [];
      const channels = JSON.stringify(viewer.channels);
      for (const channel of viewer.channels) {
        rows.push(...listChannel.all({ channel, channels, now, user: viewer.sub, before: before ?? AFTER_ALL_IDS, status, archived, limit: limit + 1 }));
      }
      // Each notification appears once (its viewer's row only), so ids are distinct here.
      rows.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => toNotification(loadItem.get(viewer.sub, r.id, r.channel)!, mutedSet)),
        nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
        unread: unreadOf(viewer, now, muted),
      };
    },

    async unreadCount(viewer) {
      return unreadOf(viewer, Date.now());
    },

    async update(viewer, action, ids) {
      return updateTx(viewer, action, ids);
    },

    async readAll(viewer, before) {
      return readAllTx(viewer, before);
    },

    async getPreferences(sub) {
      return { mutedTypes: mutedOf(sub) };
    },

    async setPreferences(viewer, mutedTypes) {
      return setPreferencesTx(viewer, mutedTypes);
    },

    async prune(now) {
      let total = 0;
      for (;;) {
        const removed = db.transaction(() => {
          const ids = expiredChunk.all(now);
          for (const { id } of ids) {
            deleteState.run(id);
            deleteNotification.run(id);
          }
          return ids.length;
        }).immediate();
        total += removed;
        if (removed < PRUNE_CHUNK) return total;
      }
    },
  };
}
