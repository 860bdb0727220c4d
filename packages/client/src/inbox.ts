/**
 * The inbox, kept in sync on every device: the first page over REST (no "new" callbacks), then
 * `notification:new / updated / deleted` messages from the inbox channels. Actions are applied at
 * once (optimistic), sent in order, kept while offline, and rolled back when the server refuses.
 */
import {
  INBOX_EVENTS,
  type InboxPage,
  type InboxUpdateResult,
  type Message,
  type Notification,
  type NotificationDeleted,
  type NotificationUpdated,
} from '@herald/protocol';
import { listeners } from './emitter.js';
import { isTransient } from './errors.js';
import type { HttpClient } from './http.js';
import type { CursorStorage, InboxSnapshot } from './types.js';

/** The inbox part of the client. */
export interface InboxClient {
  /** The current snapshot (same object until something changes). */
  getSnapshot(): InboxSnapshot;
  /** Listen for snapshot changes; returns the function that stops listening. */
  subscribe(listener: () => void): () => void;
  /** Resolves once the first load has completed. */
  ready(): Promise<void>;
  markRead(ids: readonly string[]): Promise<void>;
  /** Mark read every unread item created at or before `before` (default: now). */
  markAllRead(before?: Date | string): Promise<void>;
  archive(ids: readonly string[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** Load the next (older) page. */
  loadMore(): Promise<void>;
  /** Mute notification types: they stay in the inbox but are not counted or announced. */
  setMutedTypes(types: readonly string[]): Promise<void>;
}

export interface InboxDeps {
  http: HttpClient;
  storage: CursorStorage;
  /** Key under which the newest announced id is kept, so a reload announces nothing twice. */
  announcedKey: (channel?: string) => string;
  announce(notification: Notification): void;
  /** Whether requests can go out now (socket live or polling working). */
  online(): boolean;
}

type ActionKind = 'read' | 'read-all' | 'archive' | 'delete';

interface QueuedAction {
  kind: ActionKind;
  body: { ids: string[] } | { before?: string };
  /** Items and unread count before the optimistic change, to roll back. */
  undo: { items: readonly Notification[]; unread: number };
  settle: { resolve(): void; reject(err: unknown): void };
}

const PAGE = 50;

export function createInbox(deps: InboxDeps): InboxClient & {
  /** Messages of the inbox channels. */
  onMessage(message: Message): void;
  /** (Re)load the first page; on the first call nothing is announced. */
  load(): Promise<void>;
  /** Send queued actions (called when the connection comes back). */
  flush(): void;
} {
  const changes = listeners<void>();
  let items: readonly Notification[] = [];
  let unread = 0;
  let nextCursor: string | null = null;
  let loaded = false;
  let mutedTypes: readonly string[] = [];
  const queue: QueuedAction[] = [];
  let flushing = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every authoritative unread value, so an older reconciliation cannot overwrite it. */
  let unreadVersion = 0;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((r) => (readyResolve = r));
  let snapshot: InboxSnapshot = build();

  function build(): InboxSnapshot {
    return Object.freeze({ items, unread, hasMore: nextCursor !== null, loaded, mutedTypes, pendingActions: queue.length });
  }
  const changed = () => {
    snapshot = build();
    changes.emit();
  };
  const setUnread = (value: number) => {
    unread = Math.max(0, value);
    unreadVersion++;
  };

  /**
   * Two marks decide what is announced. `seen`: the newest id of the first page at each load;
   * nothing at or below it is new to this user. Per channel: the last id announced there (a
   * channel's notifications arrive in order, channels relative to each other do not).
   */
  const read = (key: string) => deps.storage.getItem(key) ?? '';
  const write = (key: string, id: string) => {
    try {
      if (id > read(key)) deps.storage.setItem(key, id);
    } catch {
      // Storage full: worst case a reload announces this one again.
    }
  };
  /** Items marked read by `markAllRead` before the server confirmed, to take the server's time. */
  const optimisticRead = new Set<string>();

  const isMuted = (n: Notification) => mutedTypes.includes(n.type);
  const byIdDesc = (a: Notification, b: Notification) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  /** Ask the server for the exact count soon (a `notification:new` only implies +1). */
  const reconcileUnread = () => {
    clearTimeout(reconcileTimer);
    reconcileTimer = setTimeout(async () => {
      const version = unreadVersion;
      try {
        const { unread: exact } = await deps.http.request<{ unread: number }>('GET', '/v1/inbox/unread-count');
        if (version === unreadVersion) {
          setUnread(exact);
          changed();
        }
      } catch {
        // The next message or load corrects it.
      }
    }, 200);
  };

  const patch = (ids: readonly string[], fields: Partial<Notification>, remove = false) => {
    const set = new Set(ids);
    items = remove
      ? items.filter((n) => !set.has(n.id))
      : items.map((n) => (set.has(n.id) ? withFields(n, fields) : n));
  };

  function onUpdated(u: NotificationUpdated) {
    if (u.mutedTypes) mutedTypes = Object.freeze([...u.mutedTypes]);
    if (u.all) {
      const before = u.before ?? '9999';
      items = items.map((n) =>
        (!n.readAt || optimisticRead.has(n.id)) && n.createdAt <= before ? withFields(n, { readAt: u.readAt }) : n,
      );
      optimisticRead.clear();
    } else if (u.ids.length > 0) {
      if (u.readAt !== undefined) patch(u.ids, { readAt: u.readAt });
      if (u.seenAt !== undefined) patch(u.ids, { seenAt: u.seenAt });
      if (u.archivedAt) patch(u.ids, {}, true);
      // Unarchived elsewhere: the item returns to this list; reload to place it.
      if (u.archivedAt === null) void api.load().catch(() => {});
    }
    setUnread(u.unread);
  }

  const api = {
    getSnapshot: () => snapshot,
    subscribe: (l: () => void) => changes.add(l),
    ready: () => readyPromise,

    async load() {
      const [page, prefs] = await Promise.all([
        deps.http.request<InboxPage>('GET', `/v1/inbox?limit=${PAGE}`),
        deps.http.request<{ mutedTypes: string[] }>('GET', '/v1/preferences'),
      ]);
      mutedTypes = Object.freeze([...prefs.mutedTypes]);
      // Keep what arrived live meanwhile and is newer than the page.
      const pageIds = new Set(page.items.map((n) => n.id));
      const newest = page.items[0]?.id ?? '';
      items = Object.freeze([...items.filter((n) => !pageIds.has(n.id) && n.id > newest), ...page.items].sort(byIdDesc));
      nextCursor = page.nextCursor;
      setUnread(page.unread);
      // The page's count may predate what arrived live meanwhile: confirm it.
      reconcileUnread();
      if (newest) write(deps.announcedKey(), newest);
      if (!loaded) {
        loaded = true;
        readyResolve();
      }
      changed();
    },

    onMessage(message: Message) {
      if (message.event === INBOX_EVENTS.new) {
        const n = message.data as unknown as Notification;
        if (items.some((i) => i.id === n.id)) return;
        items = [n, ...items].sort(byIdDesc);
        if (!isMuted(n)) {
          unread += 1;
          reconcileUnread();
          // Only what arrives after the first load, and only once per user, even across reloads.
          const channelKey = deps.announcedKey(n.channel);
          if (loaded && n.id > read(deps.announcedKey()) && n.id > read(channelKey)) {
            write(channelKey, n.id);
            deps.announce(n);
          }
        }
      } else if (message.event === INBOX_EVENTS.updated) {
        onUpdated(message.data as unknown as NotificationUpdated);
      } else if (message.event === INBOX_EVENTS.deleted) {
        const d = message.data as unknown as NotificationDeleted;
        patch(d.ids, {}, true);
        setUnread(d.unread);
      } else {
        return;
      }
      changed();
    },

    markRead: (ids: readonly string[]) =>
      enqueue('read', { ids: [...ids] }, () => {
        const now = new Date().toISOString();
        const set = new Set(ids);
        let drop = 0;
        items = items.map((n) => {
          if (!set.has(n.id) || n.readAt) return n;
          if (!isMuted(n)) drop++;
          return withFields(n, { readAt: now });
        });
        unread = Math.max(0, unread - drop);
      }),

    markAllRead: (before?: Date | string) => {
      const iso = before === undefined ? undefined : new Date(before).toISOString();
      return enqueue('read-all', iso === undefined ? {} : { before: iso }, () => {
        const now = new Date().toISOString();
        items = items.map((n) => {
          if (n.readAt || (iso && n.createdAt > iso)) return n;
          optimisticRead.add(n.id);
          return withFields(n, { readAt: now });
        });
        if (!iso) unread = 0;
      });
    },

    archive: (ids: readonly string[]) => enqueue('archive', { ids: [...ids] }, () => patch(ids, {}, true)),

    delete: (ids: readonly string[]) =>
      enqueue('delete', { ids: [...ids] }, () => {
        const set = new Set(ids);
        unread = Math.max(0, unread - items.filter((n) => set.has(n.id) && !n.readAt && !isMuted(n)).length);
        patch(ids, {}, true);
      }),

    async loadMore() {
      if (nextCursor === null) return;
      const page = await deps.http.request<InboxPage>('GET', `/v1/inbox?limit=${PAGE}&before=${nextCursor}`);
      const have = new Set(items.map((n) => n.id));
      items = [...items, ...page.items.filter((n) => !have.has(n.id))];
      nextCursor = page.nextCursor;
      changed();
    },

    async setMutedTypes(types: readonly string[]) {
      const prefs = await deps.http.request<{ mutedTypes: string[] }>('PUT', '/v1/preferences', { mutedTypes: [...types] });
      mutedTypes = Object.freeze([...prefs.mutedTypes]);
      changed();
    },

    flush() {
      void flushQueue();
    },
  };

  function enqueue(kind: ActionKind, body: QueuedAction['body'], optimistic: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      queue.push({ kind, body, undo: { items, unread }, settle: { resolve, reject } });
      optimistic();
      changed();
      void flushQueue();
    });
  }

  async function flushQueue(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0 && deps.online()) {
        const action = queue[0]!;
        try {
          const result = await deps.http.request<InboxUpdateResult>('POST', `/v1/inbox/${action.kind}`, action.body);
          queue.shift();
          setUnread(result.unread);
          action.settle.resolve();
        } catch (err) {
          if (isTransient(err)) {
            // Offline or server trouble: keep it (and everything after it) queued, in order.
            retryTimer ??= setTimeout(() => {
              retryTimer = undefined;
              void flushQueue();
            }, 2000);
            break;
          }
          // Refused: undo this action only; later ones were applied on top and stay.
          queue.shift();
          rollback(action);
          action.settle.reject(err);
        }
        changed();
      }
    } finally {
      flushing = false;
    }
  }

  function rollback(action: QueuedAction) {
    const ids = 'ids' in action.body ? new Set(action.body.ids) : undefined;
    const before = new Map(action.undo.items.map((n) => [n.id, n]));
    if (ids) {
      const present = new Set(items.map((n) => n.id));
      const restored = [...items.map((n) => (ids.has(n.id) ? (before.get(n.id) ?? n) : n))];
      for (const id of ids) if (!present.has(id) && before.has(id)) restored.push(before.get(id)!);
      items = restored.sort(byIdDesc);
    } else {
      items = action.undo.items;
    }
    reconcileUnread();
  }

  return api;
}

function withFields(n: Notification, fields: Partial<Notification>): Notification {
  return Object.freeze({ ...n, ...fields });
}
