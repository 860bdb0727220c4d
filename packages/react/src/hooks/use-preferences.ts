'use client';
import { useCallback, useMemo } from 'react';
import { useHeraldContext } from '../context.js';
import { notReady, useInboxSelector } from './use-inbox.js';

export interface UsePreferencesResult {
  /** Notification types this user muted (they stay in the inbox, uncounted and silent). */
  mutedTypes: readonly string[];
  /** Whether the preferences have been loaded (with the inbox). */
  loaded: boolean;
  isMuted(type: string): boolean;
  /** Mute or unmute one type; saved on the server and applied on all the user's devices. */
  setMuted(type: string, muted: boolean): Promise<void>;
  setMutedTypes(types: readonly string[]): Promise<void>;
}

/**
 * The user's notification preferences (muted types).
 * @example const { isMuted, setMuted } = usePreferences(); setMuted('weekly_digest', true);
 */
export function usePreferences(): UsePreferencesResult {
  const { client } = useHeraldContext('usePreferences');
  const inbox = client?.inbox;
  const mutedTypes = useInboxSelector(inbox, (s) => s.mutedTypes);
  const loaded = useInboxSelector(inbox, (s) => s.loaded);
  const setMutedTypes = useCallback(
    (types: readonly string[]) => (inbox ? inbox.setMutedTypes(types) : notReady()),
    [inbox],
  );
  return useMemo(
    () => ({
      mutedTypes,
      loaded,
      isMuted: (type: string) => mutedTypes.includes(type),
      setMuted: (type: string, muted: boolean) => {
        // Built on the latest server state, not on this render's, so quick toggles compose.
        const current = inbox?.getSnapshot().mutedTypes ?? mutedTypes;
        const next = muted ? [...new Set([...current, type])] : current.filter((t) => t !== type);
        return setMutedTypes(next);
      },
      setMutedTypes,
    }),
    [mutedTypes, loaded, inbox, setMutedTypes],
  );
}
