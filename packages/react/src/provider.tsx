'use client';
/**
 * `<HeraldProvider>`: one Herald client for the tree below it, plus the settings the components
 * share (theme, strings, locale, sound).
 *
 * Given `options`, the provider creates the client in an effect — never while rendering, so server
 * rendering touches no `window`, `localStorage` or socket — and closes it on unmount (React's
 * StrictMode double mount included: the first client is closed, a second one created). Given a
 * ready `client`, it uses that one and leaves its lifetime to you.
 */
import { createHerald, type HeraldClient, type HeraldOptions } from '@herald/client';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useShallowStable } from './hooks/use-shallow-stable.js';
import { HeraldContext, type HeraldContextValue, type HeraldTheme } from './context.js';
import { createSoundController, type SoundOptions } from './sound.js';
import { defaultStrings, type HeraldStrings } from './ui/strings.js';

export interface HeraldProviderProps {
  /**
   * Options of the client this provider creates. A new client is created when `url` or
   * `storageKey` changes; `getToken` is always the latest one passed.
   */
  options?: HeraldOptions;
  /** A client you created (and will close). Pass `options` or `client`, not both. */
  client?: HeraldClient;
  /** Colour scheme of the components. @default 'system' */
  theme?: HeraldTheme;
  /** Replace any of the components' texts (i18n). */
  strings?: Partial<HeraldStrings>;
  /** Locale of relative times, e.g. `'fr'`. @default the browser's */
  locale?: string;
  /** The notification sound (toasts, `useSound().play()`). */
  sound?: SoundOptions;
  /** Nonce for the components' `<style>` element, for a strict Content-Security-Policy. */
  nonce?: string;
  children?: ReactNode;
}

/**
 * @example
 * <HeraldProvider options={{ url: 'https://herald.example.com', getToken: fetchHeraldToken }}>
 *   <NotificationCenter />
 *   <NotificationToaster sound />
 * </HeraldProvider>
 */
export function HeraldProvider(props: HeraldProviderProps): ReactNode {
  const { options, client: given, theme = 'system', strings, locale, sound, nonce, children } = props;
  if (options && given) throw new Error('HeraldProvider: pass `options` or `client`, not both.');
  if (!options && !given) throw new Error('HeraldProvider: pass `options` (to create a client) or a ready `client`.');

  const latest = useRef(options);
  latest.current = options;
  const [created, setCreated] = useState<HeraldClient | null>(null);
  const url = options?.url;
  const storageKey = options?.storageKey;
  useEffect(() => {
    const initial = latest.current;
    if (given || !initial) return;
    const client = createHerald({ ...initial, getToken: () => latest.current!.getToken() });
    setCreated(client);
    return () => {
      setCreated(null);
      void client.close();
    };
  }, [given, url, storageKey]);

  const soundController = useMemo(
    () => createSoundController(sound),
    // The options object is usually written inline: recreate only when what it says changes.
    [sound?.src, sound?.volume, sound?.storageKey, sound?.onPlay],
  );
  useEffect(() => soundController.attach(), [soundController]);

  const client = given ?? created;
  // `strings` is usually an inline object: a new one with the same entries changes nothing.
  const stableStrings = useShallowStable(strings);
  const value = useMemo<HeraldContextValue>(
    () => ({ client, theme, strings: { ...defaultStrings, ...stableStrings }, locale, sound: soundController, nonce }),
    [client, theme, stableStrings, locale, soundController, nonce],
  );
  return <HeraldContext.Provider value={value}>{children}</HeraldContext.Provider>;
}
