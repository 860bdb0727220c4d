/**
 * The inbox, kept in sync on every device: the first page over REST (no "new" callbacks), then
 * `notification:new / updated / deleted` messages from the inbox channels. Actions are applied at
 * once (optimistic), sent in order, kept while offline, and rolled back when the server refuses.
 *
 * Two lists: `items` (not archived) and the archived view, loaded only when asked for. Archiving
 * moves an item from the first to the second, unarchiving back.
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
import { HeraldRequestError, isTransient } from './errors.js';
import type { HttpClient } from './http.js';
import type { CursorStorage, InboxError, InboxSnapshot } from './types.js';

/** The inbox part of the client. */
export interface InboxClient {
  /** The current snapshot (same object until something changes). */
  getSnapshot(): InboxSnapshot;
  /** Listen for snapshot changes; returns the function that stops listening. */
  subscribe(listener: () => void): () => void;
  /** Resolves once the first load has completed. */
  ready(): Promise<void>;
  markRead(ids: readonly string[]): Promise<void>;
  /** Mark seen (shown to the user, not necessarily read): sets `seenAt`, unread is unchanged. */
  markSeen(ids: readonly string[]): Promise<void>;
  /** Mark read every unread item created at or before `before` (default: now). */
  markAllRead(before?: Date | string): Promise<void>;
  /** Move to the archived view (archived items still count as unread until read). */
  archive(ids: readonly string[]): Promise<void>;
  /** Move back from the archived view. */
  unarchive(ids: readonly string[]): Promise<void>;
  /** Hide for good, for this user. */
  delete(ids: readonly string[]): Promise<void>;
  /** Load the next (older) page of `items`, or of the archived view. */
  loadMore(view?: 'inbox' | 'archived'): Promise<void>;
  /** (Re)load the first page of the archived view. */
  loadArchived(): Promise<void>;
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

type ActionKind = 'read' | 'seen' | 'read-all' | 'archive' | 'unarchive' | 'delete';
type List = readonly Notification[];

interface QueuedAction {
  kind: ActionKind;
  body: { ids: string[] } | { before?: string };
  /** Both lists and the unread count before the optimistic change, to roll back. */
  undo: { items: List; archived: List; unread: number };
  settle: { resolve(): void; reject(err: unknown): void };
}

const PAGE = 50;

const byIdDesc = (a: Notification, b: Notification) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function createInbox(deps: InboxDeps): InboxClient & {
  /** Messages of the inbox channels. */
  onMessage(message: Message): void;
  /** (Re)load the first page; on the first call nothing is announced. */
  load(): Promise<void>;
  /** Send queued actions (called when the connection comes back). */
  flush(): void;
  /** Stop its timers (the client is closing): nothing more goes out. */
  close(): void;
} {
  const changes = listeners<void>();
  let items: List = [];
  let unread = 0;
  let nextCursor: string | null = null;
  let loaded = false;
  let archived: List = [];
  let archivedCursor: string | null = null;
  let archivedLoaded = false;
  let error: InboxError | undefined;
  let mutedTypes: readonly string[] = [];
  const queue: QueuedAction[] = [];
  let flushing = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  /** Bumped by every authoritative unread value, so an older reconciliation cannot overwrite it. */
  let unreadVersion = 0;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  const pages = new Map<'inbox' | 'archived', Promise<void>>();
  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((r) => (readyResolve = r));
  let snapshot: InboxSnapshot = build();

  function build(): InboxSnapshot {
    return Object.freeze({
      items,
      unread,
      hasMore: nextCursor !== null,
      loaded,
      mutedTypes,
      pendingActions: queue.length,
      archived: Object.freeze({ items: archived, hasMore: archivedCursor !== null, loaded: archivedLoaded }),
      error,
    });
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
  /**
   * Notifications this session already knows: arrived by a `notification:new`, or deleted here.
   * One addressed to several of the user's channels arrives once per channel with the same id,
   * maybe far apart (a replay of one channel after another): it is one item, counted and announced
   * once, even when it was archived or deleted here before the next copy arrives.
   */
  const known = new Set<string>();
  const MAX_KNOWN = 1000;
  const remember = (id: string) => {
    known.add(id);
    if (known.size > MAX_KNOWN) known.delete(known.values().next().value!);
  };
  /** Items marked read by `markAllRead` before the server confirmed, to take the server's time. */
  const optimisticRead = new Set<string>();

  const isMuted = (n: Notification) => mutedTypes.includes(n.type);

  /**
   * Announce `n` unless it is part of what the user has already been shown: at or below the
   * newest item of the last load (the initial state), or already announced on its channel (a
   * reload, another tab). So only what arrives after the initial state, once per user.
   */
  const announceIfNew = (n: Notification) => {
    if (isMuted(n)) return;
    const channelKey = deps.announcedKey(n.channel);
    if (n.id > read(deps.announcedKey()) && n.id > read(channelKey)) {
      write(channelKey, n.id);
      deps.announce(n);
    }
  };
  /**
   * Notifications that arrived live while the first load was in flight. Those newer than
   * everything that load answered were created after the initial state: they are announced once
   * it is there (an order placed while the page opens still gets its toast); the others are part
   * of it and are not.
   */
  let early: Notification[] = [];

  /** Ask the server for the exact count soon (a `notification:new` only implies +1). */
  const reconcileUnread = () => {
    clearTimeout(reconcileTimer);
    if (closed) return;
    reconcileTimer = setTimeout(async () => {
      const version = unreadVersion;
      try {
        const { unread: exact } = await deps.http.request<{ unread: number }>('GET', '/v1/inbox/unread-count');
        // Usually it confirms the count: then nothing changed and no new snapshot goes out.
        if (version === unreadVersion && exact !== unread) {
          setUnread(exact);
          changed();
        }
      } catch {
        // The next message or load corrects it.
      }
    }, 200);
  };

  /** Apply `edit` to every item of both lists (a change of state applies wherever the item is). */
  const mapBoth = (edit: (n: Notification) => Notification) => {
    items = items.map(edit);
    archived = archived.map(edit);
  };
  /** Set `fields` on the items `ids` of both lists. */
  const patch = (ids: readonly string[], fields: Partial<Notification>) => {
    const set = new Set(ids);
    mapBoth((n) => (set.has(n.id) ? withFields(n, fields) : n));
  };
  const remove = (ids: readonly string[]) => {
    for (const id of ids) remember(id);
    const set = new Set(ids);
    items = items.filter((n) => !set.has(n.id));
    archived = archived.filter((n) => !set.has(n.id));
  };
  /**
   * Move `ids` into the archived view (`at` set) or out of it (`at` null). An item the other list
   * does not hold is not known here: the list it lands in is reloaded to place it.
   */
  const move = (ids: readonly string[], at: string | null) => {
    const set = new Set(ids);
    const [from, to] = at === null ? [archived, items] : [items, archived];
    const moving = from.filter((n) => set.has(n.id)).map((n) => (at === null ? withoutArchived(n) : withFields(n, { archivedAt: at })));
    const kept = from.filter((n) => !set.has(n.id));
    const have = new Set(to.map((n) => n.id));
    const landed = [...to, ...moving.filter((n) => !have.has(n.id))].sort(byIdDesc);
    const found = new Set([...moving.map((n) => n.id), ...have]);
    const unknown = ids.some((id) => !found.has(id));
    if (at === null) {
      archived = kept;
      items = landed;
      if (unknown) void api.load().catch(() => {});
    } else {
      items = kept;
      // Only a loaded archived view is kept up to date; it is fetched when first shown.
      if (archivedLoaded) archived = landed;
      if (unknown && archivedLoaded) void api.loadArchived().catch(() => {});
    }
  };

  function onUpdated(u: NotificationUpdated) {
    if (u.mutedTypes) mutedTypes = Object.freeze([...u.mutedTypes]);
    if (u.all) {
      const before = u.before ?? '9999';
      mapBoth((n) => ((!n.readAt || optimisticRead.has(n.id)) && n.createdAt <= before ? withFields(n, { readAt: u.readAt }) : n));
      optimisticRead.clear();
    } else if (u.ids.length > 0) {
      if (u.readAt !== undefined) patch(u.ids, { readAt: u.readAt });
      if (u.seenAt !== undefined) patch(u.ids, { seenAt: u.seenAt });
      if (u.archivedAt !== undefined) move(u.ids, u.archivedAt);
    }
    setUnread(u.unread);
  }

  /** Fetch one page of `view`; `before` continues after an earlier page. */
  const fetchPage = (view: 'inbox' | 'archived', before: string | null) =>
    deps.http.request<InboxPage>(
      'GET',
      `/v1/inbox?limit=${PAGE}${view === 'archived' ? '&archived=true' : ''}${before ? `&before=${before}` : ''}`,
    );

  const api = {
    getSnapshot: () => snapshot,
    subscribe: (l: () => void) => changes.add(l),
    ready: () => readyPromise,

    async load() {
      let page: InboxPage;
      let prefs: { mutedTypes: string[] };
      try {
        [page, prefs] = await Promise.all([
          fetchPage('inbox', null),
          deps.http.request<{ mutedTypes: string[] }>('GET', '/v1/preferences'),
        ]);
      } catch (err) {
        error = describe(err);
        changed();
        throw err;
      }
      error = undefined;
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
        const arrived = early;
        early = [];
        for (const n of arrived) if (items.some((i) => i.id === n.id)) announceIfNew(n);
      }
      changed();
    },

    async loadArchived() {
      const page = await fetchPage('archived', null);
      archived = Object.freeze(page.items);
      archivedCursor = page.nextCursor;
      archivedLoaded = true;
      changed();
    },

    onMessage(message: Message) {
      if (message.event === INBOX_EVENTS.new) {
        const n = message.data as unknown as Notification;
        const have = items.find((i) => i.id === n.id) ?? archived.find((i) => i.id === n.id);
        if (have) {
          // Another copy of one notification: the server lists it with the first of its channels
          // by name that this user reads; show the same.
          if (n.channel >= have.channel) return;
          mapBoth((i) => (i.id === n.id ? withFields(i, { channel: n.channel }) : i));
        } else {
          if (known.has(n.id)) return;
          remember(n.id);
          items = [n, ...items].sort(byIdDesc);
          if (!isMuted(n)) {
            unread += 1;
            reconcileUnread();
          }
          // Before the first load, whether it is new depends on what that load answers.
          if (loaded) announceIfNew(n);
          else early.push(n);
        }
      } else if (message.event === INBOX_EVENTS.updated) {
        onUpdated(message.data as unknown as NotificationUpdated);
      } else if (message.event === INBOX_EVENTS.deleted) {
        const d = message.data as unknown as NotificationDeleted;
        remove(d.ids);
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
        mapBoth((n) => {
          if (!set.has(n.id) || n.readAt) return n;
          if (!isMuted(n)) drop++;
          return withFields(n, { readAt: now });
        });
        unread = Math.max(0, unread - drop);
      }),

    markSeen: (ids: readonly string[]) => {
      const wanted = new Set(ids);
      const fresh = [...items, ...archived].filter((n) => wanted.has(n.id) && !n.seenAt).map((n) => n.id);
      // Seeing what was already seen changes nothing: no request, no message to other devices.
      if (fresh.length === 0) return Promise.resolve();
      return enqueue('seen', { ids: fresh }, () => patch(fresh, { seenAt: new Date().toISOString() }));
    },

    markAllRead: (before?: Date | string) => {
      const iso = before === undefined ? undefined : new Date(before).toISOString();
      return enqueue('read-all', iso === undefined ? {} : { before: iso }, () => {
        const now = new Date().toISOString();
        mapBoth((n) => {
          if (n.readAt || (iso && n.createdAt > iso)) return n;
          optimisticRead.add(n.id);
          return withFields(n, { readAt: now });
        });
        if (!iso) unread = 0;
      });
    },

    archive: (ids: readonly string[]) => enqueue('archive', { ids: [...ids] }, () => move(ids, new Date().toISOString())),

    unarchive: (ids: readonly string[]) => enqueue('unarchive', { ids: [...ids] }, () => move(ids, null)),

    delete: (ids: readonly string[]) =>
      enqueue('delete', { ids: [...ids] }, () => {
        const set = new Set(ids);
        const counted = [...items, ...archived].filter((n) => set.has(n.id) && !n.readAt && !isMuted(n)).length;
        unread = Math.max(0, unread - counted);
        remove(ids);
      }),

    loadMore(view: 'inbox' | 'archived' = 'inbox'): Promise<void> {
      // One page at a time per view: a second call while one is in flight waits for it.
      const running = pages.get(view);
      if (running) return running;
      const cursor = view === 'inbox' ? nextCursor : archivedCursor;
      if (cursor === null) return Promise.resolve();
      const next = (async () => {
        const page = await fetchPage(view, cursor);
        const list = view === 'inbox' ? items : archived;
        const have = new Set(list.map((n) => n.id));
        const merged = [...list, ...page.items.filter((n) => !have.has(n.id))];
        if (view === 'inbox') {
          items = merged;
          nextCursor = page.nextCursor;
        } else {
          archived = merged;
          archivedCursor = page.nextCursor;
        }
        changed();
      })().finally(() => pages.delete(view));
      pages.set(view, next);
      return next;
    },

    async setMutedTypes(types: readonly string[]) {
      const prefs = await deps.http.request<{ mutedTypes: string[] }>('PUT', '/v1/preferences', { mutedTypes: [...types] });
      mutedTypes = Object.freeze([...prefs.mutedTypes]);
      changed();
    },

    flush() {
      if (!closed) void flushQueue();
    },

    close() {
      closed = true;
      clearTimeout(reconcileTimer);
      clearTimeout(retryTimer);
    },
  };

  function enqueue(kind: ActionKind, body: QueuedAction['body'], optimistic: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      queue.push({ kind, body, undo: { items, archived, unread }, settle: { resolve, reject } });
      optimistic();
      changed();
      void flushQueue();
    });
  }

  async function flushQueue(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0 && deps.online() && !closed) {
        const action = queue[0]!;
        try {
          const result = await deps.http.request<InboxUpdateResult>('POST', `/v1/inbox/${action.kind}`, action.body);
          queue.shift();
          setUnread(result.unread);
          action.settle.resolve();
        } catch (err) {
          if (isTransient(err)) {
            // Offline or server trouble: keep it (and everything after it) queued, in order.
            if (!closed) retryTimer ??= setTimeout(() => {
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

  /** Put the action's items back as they were, in the list they were in; the rest stays. */
  function rollback(action: QueuedAction) {
    if (!('ids' in action.body)) {
      items = action.undo.items;
      archived = action.undo.archived;
    } else {
      const ids = new Set(action.body.ids);
      remove(action.body.ids);
      const restore = (list: List, before: List) => {
        const was = before.filter((n) => ids.has(n.id));
        return was.length === 0 ? list : [...list, ...was].sort(byIdDesc);
      };
      items = restore(items, action.undo.items);
      archived = restore(archived, action.undo.archived);
    }
    reconcileUnread();
  }

  return api;
}

function withFields(n: Notification, fields: Partial<Notification>): Notification {
  return Object.freeze({ ...n, ...fields });
}

function withoutArchived(n: Notification): Notification {
  const { archivedAt: _, ...rest } = n;
  return Object.freeze(rest);
}

function describe(err: unknown): InboxError {
  if (err instanceof HeraldRequestError) return { code: err.code, message: err.message };
  return { code: 'NETWORK', message: err instanceof Error ? err.message : String(err) };
}
