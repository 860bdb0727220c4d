'use client';
import type { EventMap, TypedMessage } from '@herald/client';
import { useEffect, useRef, useState } from 'react';
import { useHeraldContext } from '../context.js';

export interface UseChannelOptions {
  /**
   * The server no longer holds everything this client missed on the channel (retention): reload
   * what the channel feeds. For data loaded from your back end, `useLiveState` does this for you.
   */
  onReset?: (channel: string) => void;
}

/**
 * Call `handler` with each message of `channel`, once, in seq order, without gaps, for as long as
 * the component is mounted (`null` / `undefined`: not subscribed). The latest `handler` is used;
 * it need not be memoised.
 * @returns `error`: the code the server refused the channel with (`CHANNEL_FORBIDDEN`), if it did
 * @example useChannel('restaurant:7:kitchen', (m) => { if (m.event === 'order:created') play(); });
 */
export function useChannel<Events extends EventMap = EventMap>(
  channel: string | null | undefined,
  handler: (message: TypedMessage<Events>) => void,
  options: UseChannelOptions = {},
): { error: string | undefined } {
  const { client } = useHeraldContext('useChannel');
  const latest = useRef({ handler, onReset: options.onReset });
  latest.current = { handler, onReset: options.onReset };
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (!client || !channel) return;
    setError(undefined);
    const offError = client.onError((e) => e.channel === channel && setError(e.code));
    const stop = client.subscribe(channel, (m) => latest.current.handler(m as TypedMessage<Events>), {
      onReset: (c) => latest.current.onReset?.(c),
    });
    return () => {
      stop();
      offError();
    };
  }, [client, channel]);
  return { error };
}
