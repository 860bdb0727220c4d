/**
 * After the bus may have lost messages (see `Bus.onMissed`), compare every local subscription with
 * the store's heads and read what is missing. Runs are coalesced: a request during a run starts
 * one more run after it, never several at once.
 */
import type { Store } from '../store/index.js';
import type { Registry } from './registry.js';

/** Channels whose heads are read per store call. */
const CHUNK = 1000;

export interface Resync {
  /** Check every local subscription against the store, now or right after the run in progress. */
  request(): void;
  /** Resolves when no run is in progress or due. */
  idle(): Promise<void>;
}

export function createResync(store: Store, registry: Registry, log: { error(obj: unknown, msg: string): void }): Resync {
  let running: Promise<void> | undefined;
  let again = false;

  const runOnce = async () => {
    const channels = [...registry.channels()];
    for (let i = 0; i < channels.length; i += CHUNK) {
      const chunk = channels.slice(i, i + CHUNK);
      const states = await store.channelStates(chunk);
      for (const channel of chunk) registry.catchUp(channel, states.get(channel)?.head ?? 0);
    }
  };

  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        await runOnce();
      } catch (err) {
        // The database is away too: try again shortly, the gap is still there.
        log.error({ err }, 'resync failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1000).unref());
        again = true;
      }
    } while (again);
    running = undefined;
  };

  return {
    request() {
      if (running) again = true;
      else running = run();
    },
    idle: () => running ?? Promise.resolve(),
  };
}
