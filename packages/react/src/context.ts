'use client';
/**
 * The provider's context: the client (null while rendering on the server and until the provider
 * has mounted), the UI settings shared by the components, and the sound controller.
 */
import type { HeraldClient } from '@herald/client';
import { createContext, useContext } from 'react';
import type { SoundController } from './sound.js';
import type { HeraldStrings } from './ui/strings.js';

/** Colour scheme of the components: `system` follows `prefers-color-scheme`. */
export type HeraldTheme = 'light' | 'dark' | 'system';

export interface HeraldContextValue {
  client: HeraldClient | null;
  theme: HeraldTheme;
  strings: HeraldStrings;
  /** BCP 47 locale for relative times; undefined: the browser's. */
  locale: string | undefined;
  sound: SoundController;
  /** Nonce for the components' `<style>` element (strict CSP). */
  nonce: string | undefined;
}

export const HeraldContext = createContext<HeraldContextValue | null>(null);

/** The provider's value; throws a clear error outside `<HeraldProvider>`. */
export function useHeraldContext(hook: string): HeraldContextValue {
  const value = useContext(HeraldContext);
  if (!value) {
    throw new Error(`${hook} must be used inside <HeraldProvider>: wrap your app (or this part of it) in <HeraldProvider options={…}>.`);
  }
  return value;
}
