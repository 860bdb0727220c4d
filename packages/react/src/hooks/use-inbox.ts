'use client';
import type { InboxClient, InboxSnapshot } from '@herald/client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useHeraldContext } from '../context.js';

/** The inbox before the client exists (server rendering, first client render). */
export const EMPTY_INBOX: InboxSnapshot = Object.freeze({
  items: [],
  unread: 0,
  hasMore: false,
  loaded: false,
  mutedTypes: [],
  pendingActions: 0,
  archived: Object.freeze({ items: [], hasMore: false, loaded: false }),
  error: undefined,
});

/** The inbox's actions, bound to the provider's client. */
export type InboxActions = Omit<InboxClient, 'getSnapshot' | 'subscribe' | 'ready'>;

export type UseInboxResult = InboxSnapshot & InboxActions;

/** Rejects: an action called before the client exists (server render, first render). */
export const notReady = () => Promise.reject(new Error('Herald: the client is not created yet (server render or first render)'));

const ACTION_NAMES = ['markRead', 'markSeen', 'markAllRead', 'archive', 'unarchive', 'delete', 'loadMore', 'loadArchived', 'setMutedTypes'] as const satisfies readonly (keyof InboxActions)[];
const NOT_READY = Object.fromEntries(ACTION_NAMES.map((name) => [name, notReady])) as unknown as InboxActions;

/**
 * The synced inbox: its snapshot (items, unread, archived view, pending offline actions, load
 * error) and its actions. Actions apply at once and sync to the user's other devices.
 * @example const { items, unread, markRead } = useInbox();
 */
export function useInbox(): UseInboxResult {
  const { client } = useHeraldContext('useInbox');
  const inbox = client?.inbox;
  const snapshot = useInboxSelector(inbox, (s) => s);
  // The client's actions are closures over its inbox: they can be handed out as they are.
  const actions = useMemo(
    () => (inbox ? (Object.fromEntries(ACTION_NAMES.map((name) => [name, inbox[name]])) as unknown as InboxActions) : NOT_READY),
    [inbox],
  );
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}

/**
 * The unread count alone: a component using it re-renders only when the count changes.
 * @example const unread = useUnreadCount(); // 0 until the inbox has loaded
 */
export function useUnreadCount(): number {
  const { client } = useHeraldContext('useUnreadCount');
  return useInboxSelector(client?.inbox, (s) => s.unread);
}

/** One value read from the inbox snapshot (a primitive, or a part the snapshot keeps by identity). */
export function useInboxSelector<T>(inbox: InboxClient | undefined, select: (s: InboxSnapshot) => T): T {
  const subscribe = useCallback((onChange: () => void) => (inbox ? inbox.subscribe(onChange) : () => {}), [inbox]);
  return useSyncExternalStore(
    subscribe,
    () => select(inbox ? inbox.getSnapshot() : EMPTY_INBOX),
    () => select(EMPTY_INBOX),
  );
}
