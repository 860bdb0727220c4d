'use client';
/**
 * The inside of the notification center (popover or panel): title and "mark all read", the
 * All / Unread / Archived tabs, offline and pending-sync notices, and the list with its loading,
 * empty and error states and infinite scroll.
 */
import type { Notification } from '@herald/client';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useConnectionState } from '../hooks/use-connection-state.js';
import { useInbox } from '../hooks/use-inbox.js';
import { Icon } from './icons.js';
import { NotificationItem, onListKeyDown, type NotificationItemContext } from './notification-item.js';
import type { Ui } from './use-ui.js';

export type CenterTab = 'all' | 'unread' | 'archived';

export interface FeedOptions {
  /** `'click'`: an item is marked read when opened; `'open'`: everything shown is marked read when the center opens. @default 'click' */
  markReadOn?: 'click' | 'open';
  /** Called when an item is opened; without it, the browser follows the item's `actionUrl`. */
  onItemClick?: (notification: Notification) => void;
  /** Render an item's content yourself (its `<li>` keeps the unread and priority attributes). */
  renderItem?: (notification: Notification, ctx: NotificationItemContext) => ReactNode;
  /** Shown instead of the built-in empty text. */
  renderEmpty?: (tab: CenterTab) => ReactNode;
}

interface FeedProps extends FeedOptions {
  ui: Ui;
  titleId: string;
  /** Popover mode: a close button, and closing after an item is opened. */
  onClose?: () => void;
}

const TABS: CenterTab[] = ['all', 'unread', 'archived'];

export function NotificationFeed({ ui, titleId, onClose, markReadOn = 'click', onItemClick, renderItem, renderEmpty }: FeedProps): ReactNode {
  const inbox = useInbox();
  // Stable for the client's lifetime (the snapshot part of `inbox` changes with every message).
  const { loadMore, loadArchived } = inbox;
  const connection = useConnectionState();
  const { strings } = ui;
  const [tab, setTab] = useState<CenterTab>('all');
  const [moreError, setMoreError] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const sentinelRef = useRef<HTMLDivElement>(null);
  const tabIds = useId();
  const muted = (n: Notification) => n.muted === true || inbox.mutedTypes.includes(n.type);

  const archivedTab = tab === 'archived';
  const list = archivedTab ? inbox.archived.items : tab === 'unread' ? inbox.items.filter((n) => !n.readAt && !muted(n)) : inbox.items;
  const hasMore = archivedTab ? inbox.archived.hasMore : inbox.hasMore;
  const loaded = archivedTab ? inbox.archived.loaded : inbox.loaded;

  // The archived view is fetched the first time its tab is shown.
  useEffect(() => {
    if (archivedTab && !inbox.archived.loaded) loadArchived().catch(() => setMoreError(true));
  }, [archivedTab, inbox.archived.loaded, loadArchived]);

  // Opening the center marks what it shows as seen (and, with markReadOn 'open', read).
  useEffect(() => {
    if (!inbox.loaded) return;
    const shown = inbox.items.slice(0, 50);
    const unseen = shown.filter((n) => !n.seenAt).map((n) => n.id);
    if (unseen.length) inbox.markSeen(unseen).catch(() => {});
    const unread = shown.filter((n) => !n.readAt).map((n) => n.id);
    if (markReadOn === 'open' && unread.length) inbox.markRead(unread).catch(() => {});
    // Once per opening, when the inbox is there.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inbox.loaded]);

  // Infinite scroll: the sentinel at the end of the list loads the next page when it shows.
  const view = archivedTab ? 'archived' : 'inbox';
  const more = () => loadMore(view).then(() => setMoreError(false), () => setMoreError(true));
  useEffect(() => {
    const sentinel = sentinelRef.current;
    if (!sentinel || !hasMore || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void more();
      },
      { root: listRef.current?.parentElement ?? null, rootMargin: '120px' },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasMore, view, loadMore, list.length]);

  const itemContext = (n: Notification): NotificationItemContext => {
    const read = Boolean(n.readAt);
    return {
      read,
      archived: Boolean(n.archivedAt),
      muted: muted(n),
      open() {
        if (!read) inbox.markRead([n.id]).catch(() => {});
        if (onItemClick) onItemClick(n);
        else if (n.actionUrl) window.location.assign(n.actionUrl);
        onClose?.();
      },
      markRead: () => void inbox.markRead([n.id]).catch(() => {}),
      archive: () => void inbox.archive([n.id]).catch(() => {}),
      unarchive: () => void inbox.unarchive([n.id]).catch(() => {}),
      remove: () => void inbox.delete([n.id]).catch(() => {}),
    };
  };

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = TABS.indexOf(tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const to = TABS[(next + TABS.length) % TABS.length]!;
    setTab(to);
    document.getElementById(`${tabIds}-${to}`)?.focus();
  };

  const tabLabel = { all: strings.tabAll, unread: strings.tabUnread, archived: strings.tabArchived };
  const empty = { all: strings.emptyAll, unread: strings.emptyUnread, archived: strings.emptyArchived };

  let body: ReactNode;
  if (!loaded && inbox.error && !archivedTab) {
    body = (
      <div className="hrd-state" role="alert">
        <Icon name="inbox" />
        {strings.loadError}
      </div>
    );
  } else if (!loaded) {
    body = (
      <div className="hrd-state" role="status">
        <span className="hrd-spinner" aria-hidden="true" />
        {strings.loading}
      </div>
    );
  } else if (list.length === 0 && !hasMore) {
    body = renderEmpty ? renderEmpty(tab) : (
      <div className="hrd-state">
        <Icon name={tab === 'unread' ? 'checks' : 'inbox'} />
        {empty[tab]}
      </div>
    );
  } else {
    body = (
      <>
        <ul ref={listRef} aria-labelledby={`${tabIds}-${tab}`} onKeyDown={onListKeyDown}>
          {list.map((n) => (
            <NotificationItem key={n.id} notification={n} ctx={itemContext(n)} strings={strings} locale={ui.locale} render={renderItem} />
          ))}
        </ul>
        {hasMore && (
          <div className="hrd-more" ref={sentinelRef}>
            <button type="button" className="hrd-link" onClick={() => void more()}>
              {moreError ? strings.loadMore : strings.loadingMore}
            </button>
          </div>
        )}
      </>
    );
  }

  return (
    <>
      <div className="hrd-head">
        <h2 className="hrd-title" id={titleId}>
          {strings.centerTitle}
        </h2>
        <div className="hrd-head-actions">
          {/* aria-disabled, not disabled: a button that disables itself under the keyboard user's focus would drop that focus. */}
          <button
            type="button"
            className="hrd-link"
            aria-disabled={inbox.unread === 0}
            onClick={() => inbox.unread > 0 && void inbox.markAllRead().catch(() => {})}
          >
            {strings.markAllRead}
          </button>
          {onClose && (
            <button type="button" className="hrd-icon-btn" aria-label={strings.close} title={strings.close} onClick={onClose}>
              <Icon name="close" />
            </button>
          )}
        </div>
      </div>
      <div className="hrd-tabs" role="tablist" aria-label={strings.centerTitle} onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${tabIds}-${t}`}
            className="hrd-tab"
            aria-selected={tab === t}
            aria-controls={`${tabIds}-panel`}
            tabIndex={tab === t ? 0 : -1}
            data-autofocus={tab === t ? '' : undefined}
            onClick={() => setTab(t)}
          >
            {tabLabel[t]}
            {t === 'unread' && inbox.unread > 0 && <span className="hrd-tab-count">{inbox.unread > 99 ? '99+' : inbox.unread}</span>}
          </button>
        ))}
      </div>
      {connection === 'offline' && (
        <p className="hrd-notice" data-kind="offline" role="status">
          {strings.offline}
        </p>
      )}
      {inbox.pendingActions > 0 && (
        <p className="hrd-notice" data-kind="pending" role="status">
          {strings.pending(inbox.pendingActions)}
        </p>
      )}
      <div className="hrd-list" role="tabpanel" id={`${tabIds}-panel`} aria-labelledby={`${tabIds}-${tab}`}>
        {body}
      </div>
    </>
  );
}
