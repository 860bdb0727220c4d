'use client';
import type { Notification } from '@herald/client';
import type { KeyboardEvent, ReactNode } from 'react';
import { Icon } from './icons.js';
import { RelativeTime } from './relative-time.js';
import type { HeraldStrings } from './strings.js';

/** What a custom item renderer gets besides the notification. */
export interface NotificationItemContext {
  read: boolean;
  archived: boolean;
  /** The user muted this type: shown, but not counted or announced. */
  muted: boolean;
  /** Open it: mark read (unless `markReadOn` is `'open'` and it is read already) and follow `actionUrl` / call `onItemClick`. */
  open(): void;
  markRead(): void;
  archive(): void;
  unarchive(): void;
  remove(): void;
}

export interface NotificationItemProps {
  notification: Notification;
  ctx: NotificationItemContext;
  strings: HeraldStrings;
  locale: string | undefined;
  render?: (notification: Notification, ctx: NotificationItemContext) => ReactNode;
}

/** Up / Down / Home / End move between the items' main buttons. */
export function onListKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const target = e.target as HTMLElement;
  if (!target.matches('[data-hrd-item]')) return;
  const all = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-hrd-item]')];
  const at = all.indexOf(target);
  const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  all[Math.max(0, Math.min(all.length - 1, next))]?.focus();
}

/** One notification: unread dot, priority, title, body, time, and its actions. */
export function NotificationItem({ notification: n, ctx, strings, locale, render }: NotificationItemProps): ReactNode {
  const emphasis = n.priority === 'high' || n.priority === 'urgent';
  return (
    <li className="hrd-item" data-unread={!ctx.read && !ctx.muted} data-priority={n.priority}>
      {render ? (
        render(n, ctx)
      ) : (
        <>
          <span className="hrd-unread-dot" aria-hidden="true" />
          <button type="button" className="hrd-item-main" data-hrd-item="" onClick={ctx.open}>
            <span className="hrd-item-title">
              {!ctx.read && !ctx.muted && <span className="hrd-sr">{strings.unreadItem}: </span>}
              {n.title}
            </span>
            {n.body && <span className="hrd-item-body">{n.body}</span>}
            <span className="hrd-meta">
              <RelativeTime iso={n.createdAt} locale={locale} />
              {emphasis && <span className="hrd-pill">{strings.priority[n.priority]}</span>}
            </span>
          </button>
          <span className="hrd-actions">
            {!ctx.read && (
              <button type="button" className="hrd-icon-btn" aria-label={`${strings.markRead}: ${n.title}`} title={strings.markRead} onClick={ctx.markRead}>
                <Icon name="check" />
              </button>
            )}
            {ctx.archived ? (
              <button type="button" className="hrd-icon-btn" aria-label={`${strings.unarchive}: ${n.title}`} title={strings.unarchive} onClick={ctx.unarchive}>
                <Icon name="inbox" />
              </button>
            ) : (
              <button type="button" className="hrd-icon-btn" aria-label={`${strings.archive}: ${n.title}`} title={strings.archive} onClick={ctx.archive}>
                <Icon name="archive" />
              </button>
            )}
            <button type="button" className="hrd-icon-btn" aria-label={`${strings.delete}: ${n.title}`} title={strings.delete} onClick={ctx.remove}>
              <Icon name="trash" />
            </button>
          </span>
        </>
      )}
    </li>
  );
}
