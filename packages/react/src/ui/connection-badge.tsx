'use client';
import type { ConnectionState } from '@herald/client';
import type { ReactNode } from 'react';
import { useConnectionState } from '../hooks/use-connection-state.js';
import { HeraldStyles } from './style-tag.js';
import { useUi, type UiProps } from './use-ui.js';

export interface ConnectionBadgeProps extends UiProps {
  /** Render the badge's content yourself (the root keeps its role and state attribute). */
  render?: (state: ConnectionState, label: string) => ReactNode;
}

/**
 * Live / Polling / Offline / Connecting / Signed out, as a polite live region: screen readers
 * hear when the connection changes. The tooltip says what the state means.
 * @example <ConnectionBadge />
 */
export function ConnectionBadge(props: ConnectionBadgeProps): ReactNode {
  const ui = useUi('ConnectionBadge', props);
  const state = useConnectionState();
  const label = ui.strings.connection[state];
  return (
    <>
      <HeraldStyles nonce={ui.nonce} />
      <span {...ui.root('hrd-conn')} data-state={state} role="status" title={ui.strings.connectionHelp[state]}>
        {props.render ? (
          props.render(state, label)
        ) : (
          <>
            <span className="hrd-conn-dot" aria-hidden="true" />
            {label}
          </>
        )}
      </span>
    </>
  );
}
