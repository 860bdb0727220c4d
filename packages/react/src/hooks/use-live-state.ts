'use client';
import type { EventMap, LiveLoadContext, LiveLoadResult, LiveSnapshot, LiveState, TypedMessage } from '@herald/client';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useHeraldContext } from '../context.js';

export interface UseLiveStateOptions<T, Events extends EventMap = EventMap> {
  /** Load the data from your back end with the channel seq it reflects: `{ data, seq }`. */
  load(ctx: LiveLoadContext): Promise<LiveLoadResult<T>>;
  /** Apply one message; return new data (never mutate). */
  reduce(data: T, message: TypedMessage<Events>): T;
  /** For each message applied on top of a load (genuinely new): a sound, a highlight. */
  onMessage?(message: TypedMessage<Events>, data: T): void;
}

export interface UseLiveStateResult<T> extends LiveSnapshot<T> {
  /** Load again from the back end. */
  reload(): void;
}

const IDLE: LiveSnapshot<never> = Object.freeze({ status: 'loading', data: undefined, seq: 0, error: undefined });

/**
 * A list or record loaded from your back end and kept live by a channel: each message after the
 * load applied once, in order, none lost between the load and the first live message, none that
 * the load already holds applied again; reloaded when retention no longer covers a gap. A new
 * `channel` starts a new load. `load`, `reduce` and `onMessage` may be inline functions.
 * @example
 * const { data: orders, status } = useLiveState('restaurant:7:kitchen', {
 *   load: () => fetch('/api/restaurants/7/kitchen').then((r) => r.json()), // { data, seq }
 *   reduce: (orders, m) => upsert(orders, m.data.order),
 * });
 */
export function useLiveState<T, Events extends EventMap = EventMap>(
  channel: string | null | undefined,
  options: UseLiveStateOptions<T, Events>,
): UseLiveStateResult<T> {
  const { client } = useHeraldContext('useLiveState');
  const latest = useRef(options);
  latest.current = options;
  const [live, setLive] = useState<LiveState<T> | null>(null);

  useEffect(() => {
    if (!client || !channel) return;
    const state = client.live<T>(channel, {
      load: (ctx) => latest.current.load(ctx),
      reduce: (data, m) => latest.current.reduce(data, m as TypedMessage<Events>),
      onMessage: (m, data) => latest.current.onMessage?.(m as TypedMessage<Events>, data),
    });
    setLive(state);
    return () => {
      setLive(null);
      state.close();
    };
  }, [client, channel]);

  const subscribe = useCallback((onChange: () => void) => (live ? live.subscribe(onChange) : () => {}), [live]);
  const snapshot = useSyncExternalStore(subscribe, () => (live ? live.getSnapshot() : IDLE), () => IDLE) as LiveSnapshot<T>;
  const reload = useCallback(() => live?.reload(), [live]);
  return { ...snapshot, reload };
}
