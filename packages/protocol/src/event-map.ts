/**
 * Application event typing, shared by the SDKs: the client types what it receives with it,
 * `@herald/node` types what a back end publishes, so both ends of a channel agree at compile time.
 */
import type { Message } from './message.js';

/**
 * Application events: event name → type of its `data`.
 * @example type Events = { 'order:created': { id: number }; 'order:updated': { id: number; status: string } };
 */
export type EventMap = Record<string, unknown>;

/**
 * A message whose `event` / `data` follow the application's event map: a union over its events,
 * so checking `m.event` narrows `m.data`.
 * @example if (m.event === 'order:created') m.data.id; // number
 */
export type TypedMessage<E extends EventMap> = {
  [K in keyof E & string]: Message<K, E[K] & Message['data']>;
}[keyof E & string];
