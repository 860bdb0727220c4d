'use client';
import type { Notification } from '@herald/client';
import type { Priority } from '@herald/protocol';
import type { ReactNode } from 'react';
import { toast, Toaster, type ToasterProps } from 'sonner';
import { useHerald } from '../hooks/use-herald.js';
import { useNotificationListener } from '../hooks/use-notification-listener.js';
import { Icon } from './icons.js';
import type { HeraldStrings } from './strings.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type Ui, type UiProps } from './use-ui.js';

export interface NotificationToasterProps extends UiProps {
  /** How long a toast stays, ms. @default 7000 */
  duration?: number;
  /** Per-priority durations, ms (`Infinity`: until dismissed), e.g. `{ urgent: Infinity }`. */
  durations?: Partial<Record<Priority, number>>;
  /** Play the provider's notification sound with each toast (after the first user gesture; never when muted). @default false */
  sound?: boolean | ((notification: Notification) => boolean);
  /** Toast only these (muted types never toast, whatever this says). */
  filter?: (notification: Notification) => boolean;
  /** Called when a toast is clicked; without it the browser follows the notification's `actionUrl`. The notification is marked read either way. */
  onClick?: (notification: Notification) => void;
  /** Render a toast's content yourself. */
  render?: (notification: Notification, dismiss: () => void) => ReactNode;
  /** Where toasts stack (bottom corners keep page headers, with their bells and menus, clear). @default 'bottom-right' */
  position?: ToasterProps['position'];
  /** Distance from the viewport's edges (sonner's `offset`). */
  offset?: ToasterProps['offset'];
  /** Most toasts visible at once. @default 3 */
  visibleToasts?: number;
  /** sonner toaster id, so toasts of your own sonner `<Toaster>` stay apart. @default 'herald' */
  toasterId?: string;
}

/**
 * Toasts (on sonner) for notifications genuinely new to this user: none on first load, none
 * again after a reload, one per notification (its id is the toast id), none for a muted type.
 * Clickable, styled per priority, optionally with sound.
 * @example <NotificationToaster sound onClick={(n) => router.push(n.actionUrl ?? '/')} />
 */
export function NotificationToaster(props: NotificationToasterProps): ReactNode {
  const ui = useUi('NotificationToaster', props);
  const herald = useHerald();
  const { duration = 7000, durations, sound = false, filter, onClick, render, position = 'bottom-right', visibleToasts = 3, offset } = props;
  const toasterId = props.toasterId ?? 'herald';

  useNotificationListener((n) => {
    if (filter && !filter(n)) return;
    const open = () => {
      herald?.inbox.markRead([n.id]).catch(() => {});
      if (onClick) onClick(n);
      else if (n.actionUrl) window.location.assign(n.actionUrl);
    };
    toast.custom(
      (id) => {
        const dismiss = () => toast.dismiss(id);
        return render ? <>{render(n, dismiss)}</> : <ToastCard n={n} ui={ui} onOpen={() => (open(), dismiss())} onDismiss={dismiss} />;
      },
      { id: n.id, duration: durations?.[n.priority] ?? duration, toasterId },
    );
    if (typeof sound === 'function' ? sound(n) : sound) ui.sound.play();
  });

  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <Toaster
        id={toasterId}
        position={position}
        offset={offset}
        theme={ui.theme}
        visibleToasts={visibleToasts}
        containerAriaLabel={ui.strings.toastRegion}
        toastOptions={{ unstyled: true }}
      />
    </>
  );
}

function ToastCard({ n, ui, onOpen, onDismiss }: { n: Notification; ui: Ui; onOpen: () => void; onDismiss: () => void }): ReactNode {
  const strings: HeraldStrings = ui.strings;
  const emphasis = n.priority === 'high' || n.priority === 'urgent';
  return (
    <div {...ui.root('hrd-toast')} data-priority={n.priority} role={n.priority === 'urgent' ? 'alert' : undefined}>
      <button type="button" className="hrd-toast-main" onClick={onOpen}>
        <span className="hrd-item-title">{n.title}</span>
        {n.body && <span className="hrd-item-body">{n.body}</span>}
        {emphasis && (
          <span className="hrd-meta">
            <span className="hrd-pill">{strings.priority[n.priority]}</span>
          </span>
        )}
      </button>
      <button type="button" className="hrd-icon-btn" aria-label={strings.close} title={strings.close} onClick={onDismiss}>
        <Icon name="close" />
      </button>
    </div>
  );
}
