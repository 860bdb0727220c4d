/**
 * The inbox on PostgreSQL, with the SQLite inbox's behaviour, for several nodes at once.
 *
 * - A notification is stored with its `notification:new` message, and a state change with its
 *   `notification:updated/deleted` message, in one transaction (seqs as in `append.ts`).
 * - Every state change of one user (update, read-all, preferences) first takes a transaction
 *   advisory lock on that user, so two nodes changing the same user's inbox run one after the
 *   other: the second one reads what the first committed (READ COMMITTED, a new snapshot per
 *   statement), exactly as if a single writer had run both. It is taken before any row lock, and
 *   nothing else takes it, so it cannot deadlock with appends.
 * - Unread counts are counted by SQL (indexes in `schema.ts`). The SQLite counter's cache is only
 *   exact with a single writer; the badge count here is cached only as long as the heads of the
 *   viewer's channels say nothing changed, on any node (`unread-cache.ts`).
 */
import { sql, type Kysely } from 'kysely';
import {
  HeraldError,
  INBOX_EVENTS,
  userChannel,
  type InboxAction,
  type Json,
  type Message,
  type NotificationDeleted,
  type NotificationUpdated,
  type PublishedRef,
} from '@herald/protocol';
import type { CreateOutcome, InboxChange, InboxStore, InboxViewer } from '../inbox-store.js';
import { appendMessages, type Clock, type Db, type NewMessage, type Tx } from './append.js';
import { guarded, retrying } from './errors.js';
import { answerOf, claimKeys, rememberKeys } from './idempotency.js';
import { ACTIONS, FIELDS, firstTarget, iso, notificationOf, toNotification } from '../rows.js';
import { pageQuery, readAllQuery, setStateQuery, statesQuery, unreadQuery, type StateRow } from './inbox-queries.js';
import { createUnreadCache } from './unread-cache.js';

const PRUNE_CHUNK = 5000;

export function createPostgresInboxStore(kysely: Kysely<any>, clock: Clock): InboxStore {
  const badges = createUnreadCache(kysely);
  const mutedOf = async (db: Db, sub: string): Promise<string[]> => {
    const { rows } = await sql<{ muted_types: string }>`SELECT muted_types FROM preferences WHERE sub = ${sub}`.execute(db);
    return rows[0] ? (JSON.parse(rows[0].muted_types) as string[]) : [];
  };

  const unreadOf = async (db: Db, viewer: InboxViewer, muted: readonly string[], now: number): Promise<number> =>
    (await unreadQuery(viewer, muted, now).execute(db)).rows[0]!.unread;

  /** Serialise this user's state changes across nodes (see the file comment). */
  const lockUser = (tx: Tx, sub: string) => sql`SELECT pg_advisory_xact_lock(hashtextextended(${`herald:inbox:${sub}`}, 0))`.execute(tx);

  /** Append a `notification:*` message to the user's own channel, inside the open transaction. */
  const tellDevices = async (tx: Tx, sub: string, event: string, data: NotificationUpdated | NotificationDeleted, now: number): Promise<Message> => {
    const item: NewMessage = { channel: userChannel(sub), event, data: data as unknown as Json, dataJson: JSON.stringify(data) };
    return (await appendMessages(tx, [item], now, clock))[0]!;
  };

  /** One transaction, run again on a deadlock; a lost database answers UNAVAILABLE. */
  const transaction = <T>(fn: (tx: Tx) => Promise<T>) => retrying(() => kysely.transaction().execute(fn));

  const create = (n: Parameters<InboxStore['create']>[0]) =>
    transaction(async (tx): Promise<CreateOutcome> => {
      const now = clock.now();
      if (n.idempotency) {
        const seen = await claimKeys(tx, new Map([[n.idempotency.key, n.idempotency.fingerprint]]), now);
        const taken = seen.get(n.idempotency.key);
        if (taken) return answerOf(taken, n.idempotency.fingerprint);
      }
      if (n.expiresAt !== undefined && n.expiresAt <= now) {
        throw new HeraldError('VALIDATION_FAILED', undefined, [{ path: 'expiresAt', message: 'expiresAt must be in the future' }]);
      }
      // One id for the notification; each channel's `notification:new` message has its own.
      const id = clock.id(now);
      const items = n.to.map((channel): NewMessage => {
        const notification = notificationOf(n, id, channel, now);
        return { channel, event: INBOX_EVENTS.new, data: notification as unknown as Json, dataJson: JSON.stringify(notification) };
      });
      const messages = await appendMessages(tx, items, now, clock);
      const one = <T>(value: T) => messages.map(() => value);
      await sql`
        INSERT INTO notifications (id, channel, seq, type, title, body, data, action_url, priority, created_at, expires_at, targets)
        SELECT ${id}, t.channel, t.seq, ${n.type}, ${n.title}, ${n.body ?? null}, t.data, ${n.actionUrl ?? null}, ${n.priority},
               ${now}::bigint, ${n.expiresAt ?? null}::bigint, ${n.to.length}::smallint
        FROM unnest(${messages.map((m) => m.channel)}::text[], ${messages.map((m) => m.seq)}::bigint[],
                    ${one(n.data === undefined ? null : JSON.stringify(n.data))}::text[])
             AS t(channel, seq, data)`.execute(tx);
      const refs: PublishedRef[] = messages.map(({ channel, seq }) => ({ id, channel, seq }));
      if (n.idempotency) await rememberKeys(tx, new Map([[n.idempotency.key, refs]]));
      return { kind: 'stored', refs, messages };
    });

  const update = (viewer: InboxViewer, action: InboxAction, ids: readonly string[]) =>
    transaction(async (tx): Promise<InboxChange> => {
      await lockUser(tx, viewer.sub);
      const now = clock.now();
      const { column, set } = ACTIONS[action];
      const channels = new Set(viewer.channels);
      const unique = [...new Set(ids)];
      const targets = new Map<string, StateRow[]>();
      for (const r of (await statesQuery(viewer.sub, unique).execute(tx)).rows) {
        const rows = targets.get(r.id);
        if (rows) rows.push(r);
        else targets.set(r.id, [r]);
      }
      const missing: string[] = [];
      const changed: string[] = [];
      for (const id of unique) {
        const row = firstTarget(targets.get(id) ?? [], channels);
        if (!row || (row.expires_at !== null && row.expires_at <= now) || row.deleted_at !== null) {
          missing.push(id);
        } else if ((row[column] === null) === set) {
          changed.push(id);
        }
      }
      // Unknown, foreign, expired and deleted ids are all just "not found": nothing leaks, nothing changes.
      if (missing.length > 0) throw new HeraldError('NOT_FOUND', 'Some ids are not in this inbox', { ids: missing.slice(0, 50) });
      if (changed.length > 0) await setStateQuery(viewer.sub, changed, column, set ? now : null).execute(tx);
      const unread = await unreadOf(tx, viewer, await mutedOf(tx, viewer.sub), now);
      if (changed.length === 0) return { updated: 0, unread, message: undefined };
      const message =
        action === 'delete'
          ? await tellDevices(tx, viewer.sub, INBOX_EVENTS.deleted, { ids: changed, unread }, now)
          : await tellDevices(tx, viewer.sub, INBOX_EVENTS.updated, { ids: changed, [FIELDS[column]]: set ? iso(now) : null, unread } as NotificationUpdated, now);
      return { updated: changed.length, unread, message };
    });

  const readAll = (viewer: InboxViewer, before: number | undefined) =>
    transaction(async (tx): Promise<InboxChange> => {
      await lockUser(tx, viewer.sub);
      const now = clock.now();
      const bound = Math.min(before ?? now, now);
      const updated = Number((await readAllQuery(viewer, bound, now).execute(tx)).numAffectedRows ?? 0n);
      const unread = await unreadOf(tx, viewer, await mutedOf(tx, viewer.sub), now);
      if (updated === 0) return { updated, unread, message: undefined };
      const data: NotificationUpdated = { ids: [], all: true, before: iso(bound), readAt: iso(now), unread };
      return { updated, unread, message: await tellDevices(tx, viewer.sub, INBOX_EVENTS.updated, data, now) };
    });

  const setPreferences = (viewer: InboxViewer, mutedTypes: readonly string[]) =>
    transaction(async (tx) => {
      await lockUser(tx, viewer.sub);
      const now = clock.now();
      await sql`
        INSERT INTO preferences (sub, muted_types) VALUES (${viewer.sub}, ${JSON.stringify(mutedTypes)})
        ON CONFLICT (sub) DO UPDATE SET muted_types = excluded.muted_types`.execute(tx);
      const unread = await unreadOf(tx, viewer, mutedTypes, now);
      const message = await tellDevices(tx, viewer.sub, INBOX_EVENTS.updated, { ids: [], mutedTypes: [...mutedTypes], unread }, now);
      return { mutedTypes: [...mutedTypes], unread, message };
    });

  return {
    create,
    update,
    readAll,
    setPreferences,

    list(viewer, { status, archived, limit, before }) {
      return guarded(async () => {
        const now = Date.now();
        const [muted, { rows: found }, unread] = await Promise.all([
          mutedOf(kysely, viewer.sub),
          pageQuery(viewer, now, { status, archived, rows: limit + 1, before }).execute(kysely),
          badges.count(viewer, now),
        ]);
        const mutedSet = new Set(muted);
        const page = found.slice(0, limit);
        return {
          items: page.map((r) => toNotification(r, mutedSet)),
          nextCursor: found.length > limit ? page[page.length - 1]!.id : null,
          unread,
        };
      });
    },

    unreadCount(viewer) {
      return guarded(() => badges.count(viewer, Date.now()));
    },

    getPreferences(sub) {
      return guarded(async () => ({ mutedTypes: await mutedOf(kysely, sub) }));
    },

    async prune(now) {
      let total = 0;
      for (;;) {
        const removed = await transaction(async (tx) => {
          const { rows } = await sql<{ id: string }>`
            SELECT DISTINCT id FROM notifications WHERE expires_at IS NOT NULL AND expires_at <= ${now}::bigint
            ORDER BY id LIMIT ${PRUNE_CHUNK}`.execute(tx);
          if (rows.length === 0) return 0;
          const ids = rows.map((r) => r.id);
          await sql`DELETE FROM notification_state WHERE notification_id = ANY(${ids}::text[])`.execute(tx);
          await sql`DELETE FROM notifications WHERE id = ANY(${ids}::text[])`.execute(tx);
          return ids.length;
        });
        total += removed;
        if (removed < PRUNE_CHUNK) return total;
      }
    },
  };
}
