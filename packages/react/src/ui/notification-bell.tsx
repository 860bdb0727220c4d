'use client';
import type { ReactNode, Ref } from 'react';
import { useUnreadCount } from '../hooks/use-inbox.js';
import { Icon } from './icons.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type UiProps } from './use-ui.js';

export interface NotificationBellProps extends UiProps {
  onClick?: () => void;
  /** Highest count shown as a number; above it the badge reads `{max}+`. @default 9 */
  max?: number;
  /** Replace the bell icon. */
  icon?: ReactNode;
  /** Render the count badge yourself (`unread` > 0 only). */
  renderCount?: (unread: number) => ReactNode;
  ref?: Ref<HTMLButtonElement>;
  /** Set by `NotificationCenter`, which uses the bell as its trigger. */
  'aria-expanded'?: boolean;
  'aria-controls'?: string;
  'aria-haspopup'?: 'dialog';
}

/**
 * A bell with the unread count ("9+" past `max`) and an accessible label such as
 * "7 unread notifications". Use it alone with `onClick`, or let `NotificationCenter` render it.
 * @example <NotificationBell onClick={() => setOpen(true)} />
 */
export function NotificationBell(props: NotificationBellProps): ReactNode {
  const ui = useUi('NotificationBell', props);
  const unread = useUnreadCount();
  const max = props.max ?? 9;
  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <button
        ref={props.ref}
        type="button"
        {...ui.root('hrd-bell')}
        aria-label={ui.strings.bellLabel(unread)}
        aria-expanded={props['aria-expanded']}
        aria-controls={props['aria-controls']}
        aria-haspopup={props['aria-haspopup']}
        onClick={props.onClick}
      >
        {props.icon ?? <Icon name="bell" />}
        {unread > 0 &&
          (props.renderCount ? (
            props.renderCount(unread)
          ) : (
            <span className="hrd-count" aria-hidden="true">
              {unread > max ? `${max}+` : unread}
            </span>
          ))}
      </button>
    </>
  );
}
