'use client';
import { useMemo, useSyncExternalStore } from 'react';
import { useHeraldContext } from '../context.js';
import type { SoundSnapshot } from '../sound.js';

export interface UseSoundResult extends SoundSnapshot {
  /** Play the notification sound unless muted or not yet unlocked by a user gesture; answers whether it played. */
  play(): boolean;
  setMuted(muted: boolean): void;
  toggle(): void;
}

const SERVER: SoundSnapshot = { muted: false, unlocked: false };

/**
 * The provider's notification sound: play it on your own events (a new order on the kitchen
 * screen), show or change the user's mute choice.
 * @example const { play } = useSound(); useChannel('restaurant:7:kitchen', (m) => m.event === 'order:created' && play());
 */
export function useSound(): UseSoundResult {
  const { sound } = useHeraldContext('useSound');
  const snapshot = useSyncExternalStore(sound.subscribe, sound.getSnapshot, () => SERVER);
  return useMemo(
    () => ({ ...snapshot, play: sound.play, setMuted: sound.setMuted, toggle: () => sound.setMuted(!sound.getSnapshot().muted) }),
    [snapshot, sound],
  );
}
