'use client';
/**
 * `@herald/react`: the provider, hooks over the headless `@herald/client`, and ready components.
 * Every module is a client module (`"use client"`), so it drops into a Next.js App Router page.
 */
export { HeraldProvider, type HeraldProviderProps } from './provider.js';
export type { HeraldTheme } from './context.js';
export type { SoundOptions, SoundSnapshot } from './sound.js';

export { useHerald } from './hooks/use-herald.js';
export { useConnectionState } from './hooks/use-connection-state.js';
export { useChannel, type UseChannelOptions } from './hooks/use-channel.js';
export { useInbox, useUnreadCount, EMPTY_INBOX, type UseInboxResult, type InboxActions } from './hooks/use-inbox.js';
export { useNotificationListener } from './hooks/use-notification-listener.js';
export { usePreferences, type UsePreferencesResult } from './hooks/use-preferences.js';
export { useLiveState, type UseLiveStateOptions, type UseLiveStateResult } from './hooks/use-live-state.js';
export { useSound, type UseSoundResult } from './hooks/use-sound.js';

export { NotificationBell, type NotificationBellProps } from './ui/notification-bell.js';
export { NotificationCenter, type NotificationCenterProps } from './ui/notification-center.js';
export type { CenterTab, FeedOptions } from './ui/notification-feed.js';
export type { NotificationItemContext } from './ui/notification-item.js';
export { NotificationToaster, type NotificationToasterProps } from './ui/notification-toaster.js';
export { ConnectionBadge, type ConnectionBadgeProps } from './ui/connection-badge.js';
export { NotificationPreferences, type NotificationPreferencesProps, type NotificationTypeOption } from './ui/notification-preferences.js';
export { SoundToggle } from './ui/sound-toggle.js';
export { defaultStrings, type HeraldStrings } from './ui/strings.js';
export { heraldCss } from './ui/styles.js';
export type { UiProps } from './ui/use-ui.js';
