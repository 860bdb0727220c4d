'use client';
import type { EventMap, HeraldClient } from '@herald/client';
import { useHeraldContext } from '../context.js';

/**
 * The provider's client, for what the hooks do not cover. `null` while rendering on the server
 * and during the first client render, before the provider's effect has created it.
 * @example const herald = useHerald(); useEffect(() => herald?.onError(report), [herald]);
 */
export function useHerald<Events extends EventMap = EventMap>(): HeraldClient<Events> | null {
  return useHeraldContext('useHerald').client as HeraldClient<Events> | null;
}
