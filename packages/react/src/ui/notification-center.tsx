'use client';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { NotificationBell, type NotificationBellProps } from './notification-bell.js';
import { NotificationFeed, type FeedOptions } from './notification-feed.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type UiProps } from './use-ui.js';

export interface NotificationCenterProps extends UiProps, FeedOptions {
  /** `'popover'`: a bell that opens the center; `'panel'`: the center inline, always open. @default 'popover' */
  mode?: 'popover' | 'panel';
  /** Which edge of the bell the popover aligns to. @default 'bottom-end' */
  placement?: 'bottom-end' | 'bottom-start';
  /** Controlled open state (popover mode). */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  /** Props of the bell that opens the popover. */
  bell?: Omit<NotificationBellProps, keyof UiProps | 'onClick' | 'ref'>;
}

/**
 * The notification center: All / Unread / Archived, mark read on click (or on open), mark all
 * read, archive, unarchive, delete, priorities, relative times, infinite scroll, and loading,
 * empty, error, offline and pending-sync states. In popover mode, focus moves into the popover
 * when it opens and back to the bell when Escape closes it; a click outside closes it.
 * @example <NotificationCenter onItemClick={(n) => router.push(n.actionUrl ?? '/inbox')} />
 */
export function NotificationCenter(props: NotificationCenterProps): ReactNode {
  const ui = useUi('NotificationCenter', props);
  const { mode = 'popover', placement = 'bottom-end', bell, open: controlled, onOpenChange } = props;
  const [uncontrolled, setUncontrolled] = useState(false);
  const open = controlled ?? uncontrolled;
  const setOpen = (next: boolean) => {
    if (controlled === undefined) setUncontrolled(next);
    onOpenChange?.(next);
  };
  const titleId = useId();
  const panelId = useId();
  const triggerRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const latestSetOpen = useRef(setOpen);
  latestSetOpen.current = setOpen;

  useEffect(() => {
    if (mode !== 'popover' || !open) return;
    const panel = panelRef.current;
    (panel?.querySelector<HTMLElement>('[data-autofocus]') ?? panel)?.focus();
    const close = (refocus: boolean) => {
      latestSetOpen.current(false);
      if (refocus) triggerRef.current?.focus();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close(true);
      }
    };
    // A click, or focus (Tab, Shift+Tab), landing outside the popover and the bell closes it
    // without pulling focus back: the popover is not modal, it never traps focus.
    const onOutside = (e: Event) => {
      const t = e.target as Node;
      if (!panel?.contains(t) && !triggerRef.current?.contains(t)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onOutside);
    document.addEventListener('focusin', onOutside);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onOutside);
      document.removeEventListener('focusin', onOutside);
    };
  }, [mode, open]);

  const feed = (onClose?: () => void) => (
    <NotificationFeed
      ui={ui}
      titleId={titleId}
      onClose={onClose}
      markReadOn={props.markReadOn}
      onItemClick={props.onItemClick}
      renderItem={props.renderItem}
      renderEmpty={props.renderEmpty}
    />
  );

  if (mode === 'panel') {
    return (
      <>
        <HeraldStyles nonce={ui.nonce} />
        <section {...ui.root('hrd-panel')} aria-labelledby={titleId}>
          {feed()}
        </section>
      </>
    );
  }

  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <div {...ui.root('hrd-center')}>
        <NotificationBell
          {...bell}
          theme={ui.theme}
          strings={props.strings}
          ref={triggerRef}
          aria-haspopup="dialog"
          aria-expanded={open}
          aria-controls={open ? panelId : undefined}
          onClick={() => setOpen(!open)}
        />
        {open && (
          <div ref={panelRef} id={panelId} role="dialog" aria-labelledby={titleId} className="hrd-popover" data-placement={placement} tabIndex={-1}>
            {feed(() => {
              setOpen(false);
              triggerRef.current?.focus();
            })}
          </div>
        )}
      </div>
    </>
  );
}
