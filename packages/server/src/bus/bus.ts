/**
 * The bus carries stored messages to every node's gateway. One node: in-process. Several nodes
 * (later): Redis. Listeners get messages in the order they were stored.
 */
import type { Message } from '@herald/protocol';

export type BusListener = (messages: readonly Message[]) => void;

export interface Bus {
  /** Hand freshly stored messages to every listener on every node. */
  publish(messages: readonly Message[]): void;
  /** Listen for messages; returns the function that stops listening. */
  subscribe(listener: BusListener): () => void;
  /** Resolves when the bus is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The single-node bus: listeners are called synchronously, in publish order. */
export function createMemoryBus(): Bus {
  const listeners = new Set<BusListener>();
  return {
    publish(messages) {
      for (const l of listeners) l(messages);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ping() {},
    async close() {
      listeners.clear();
    },
  };
}
