/**
 * Every text the components show or announce, in English. Replace any of them through the
 * provider's or a component's `strings` prop (i18n); texts that depend on a number are functions.
 */
import type { ConnectionState } from '@herald/client';
import type { Priority } from '@herald/protocol';

export interface HeraldStrings {
  /** The bell's accessible label. */
  bellLabel: (unread: number) => string;
  centerTitle: string;
  tabAll: string;
  tabUnread: string;
  tabArchived: string;
  markAllRead: string;
  markRead: string;
  archive: string;
  unarchive: string;
  delete: string;
  close: string;
  loading: string;
  loadingMore: string;
  loadMore: string;
  emptyAll: string;
  emptyUnread: string;
  emptyArchived: string;
  /** The first load failed; it is retried by itself. */
  loadError: string;
  /** The connection is down: what is shown may be out of date; actions wait. */
  offline: string;
  /** Actions taken offline, waiting to be sent. */
  pending: (count: number) => string;
  /** Label of an item's unread dot (for screen readers). */
  unreadItem: string;
  priority: Record<Priority, string>;
  connection: Record<ConnectionState, string>;
  /** Longer descriptions of the connection states (the badge's tooltip). */
  connectionHelp: Record<ConnectionState, string>;
  preferencesTitle: string;
  /** A switch label: on means "notify me". */
  preferenceLabel: (typeLabel: string) => string;
  preferencesSaveError: string;
  /** The sound switch's accessible name. */
  soundLabel: string;
  soundOn: string;
  soundOff: string;
  /** Shown on the sound switch before any user gesture has unlocked audio. */
  soundLocked: string;
  /** The toaster region's label. */
  toastRegion: string;
}

export const defaultStrings: HeraldStrings = {
  bellLabel: (n) => (n === 0 ? 'Notifications, none unread' : `${n} unread notification${n === 1 ? '' : 's'}`),
  centerTitle: 'Notifications',
  tabAll: 'All',
  tabUnread: 'Unread',
  tabArchived: 'Archived',
  markAllRead: 'Mark all as read',
  markRead: 'Mark as read',
  archive: 'Archive',
  unarchive: 'Move to inbox',
  delete: 'Delete',
  close: 'Close',
  loading: 'Loading notifications…',
  loadingMore: 'Loading more…',
  loadMore: 'Load more',
  emptyAll: 'No notifications yet.',
  emptyUnread: 'You are all caught up.',
  emptyArchived: 'Nothing archived.',
  loadError: 'Notifications could not be loaded. Retrying…',
  offline: 'Offline. Showing what was loaded; changes will sync when the connection is back.',
  pending: (n) => `${n} change${n === 1 ? '' : 's'} waiting to sync`,
  unreadItem: 'Unread',
  priority: { low: 'Low', normal: 'Normal', high: 'High priority', urgent: 'Urgent' },
  connection: { live: 'Live', polling: 'Polling', offline: 'Offline', connecting: 'Connecting', unauthorized: 'Signed out' },
  connectionHelp: {
    live: 'Connected: updates arrive instantly.',
    polling: 'The live connection is blocked; updates arrive by polling, a little later.',
    offline: 'No connection. Updates will arrive when it is back; nothing is lost.',
    connecting: 'Connecting…',
    unauthorized: 'Signed out: sign in again to receive updates.',
  },
  preferencesTitle: 'Notify me about',
  preferenceLabel: (label) => label,
  preferencesSaveError: 'Could not save. Try again.',
  soundLabel: 'Notification sound',
  soundOn: 'Sound on',
  soundOff: 'Sound off',
  soundLocked: 'Sound on (starts after your first click)',
  toastRegion: 'New notifications',
};
