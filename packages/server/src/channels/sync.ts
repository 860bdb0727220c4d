/**
 * `GET /v1/sync`: what a client missed on its channels, from durable storage; with `wait`, a
 * long-poll that answers as soon as any of them has something new.
 */
import { HeraldError, MAX_REPLAY, type Message, type SyncCursor } from '@herald/protocol';
import { isEntitled, type Principal } from '../auth/index.js';
import type { Bus } from '../bus/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/index.js';

export interface SyncAnswer {
  messages: Message[];
  heads: Record<string, number>;
  /** Channels whose cursor retention no longer reaches (or that is ahead of the head): refetch state. */
  reset: string[];
}

export interface SyncService {
  /** Resolves early when `signal` aborts (the client went away). */
  sync(principal: Principal, cursors: readonly SyncCursor[], waitMs: number, signal: AbortSignal): Promise<SyncAnswer>;
  /** End every waiting long-poll now (shutdown). */
  close(): void;
}

export function createSyncService(store: Store, bus: Bus, metrics: Metrics): SyncService {
  const waiters = new Map<string, Set<() => void>>();
  const stopAll = new Set<() => void>();
  const unsubscribeMessages = bus.subscribe((messages) => {
    for (const m of messages) {
      const set = waiters.get(m.channel);
      if (set) for (const wake of set) wake();
    }
  });
  // The bus may have lost messages of other nodes: every waiting long-poll reads the store again
  // (and answers what it finds, possibly nothing; the client polls again).
  const unsubscribeMissed = bus.onMissed(() => {
    for (const wake of stopAll) wake();
  });

  async function gather(cursors: readonly SyncCursor[]): Promise<SyncAnswer> {
    const states = await store.channelStates(cursors.map((c) => c.channel));
    const answer: SyncAnswer = { messages: [], heads: {}, reset: [] };
    for (const { channel, since } of cursors) {
      const { head, floor } = states.get(channel)!;
      answer.heads[channel] = head;
      if (since === undefined || since === head) continue;
      if (since > head || since < floor) {
        answer.reset.push(channel);
        continue;
      }
      answer.messages.push(...(await store.read(channel, since, MAX_REPLAY)));
    }
    return answer;
  }

  return {
    async sync(principal, cursors, waitMs, signal) {
      const forbidden = cursors.find((c) => !isEntitled(principal, c.channel));
      if (forbidden) throw new HeraldError('CHANNEL_FORBIDDEN', undefined, { channel: forbidden.channel });

      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      // Listen before reading, so a message stored between the read and the wait still wakes us.
      if (waitMs > 0) {
        for (const { channel } of cursors) {
          let set = waiters.get(channel);
          if (!set) waiters.set(channel, (set = new Set()));
          set.add(wake);
        }
        stopAll.add(wake);
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => wake();
      try {
        const first = await gather(cursors);
        if (waitMs === 0 || first.messages.length > 0 || first.reset.length > 0 || signal.aborted) {
          metrics.delivered.inc(first.messages.length);
          return first;
        }
        // A bare cursor waits for anything after the head it had when the poll began.
        const pinned = cursors.map((c) => ({ channel: c.channel, since: c.since ?? first.heads[c.channel] }));
        timer = setTimeout(wake, waitMs);
        signal.addEventListener('abort', onAbort, { once: true });
        await woken;
        const answer = await gather(pinned);
        metrics.delivered.inc(answer.messages.length);
        return answer;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        stopAll.delete(wake);
        for (const { channel } of cursors) {
          const set = waiters.get(channel);
          if (set?.delete(wake) && set.size === 0) waiters.delete(channel);
        }
      }
    },

    close() {
      unsubscribeMessages();
      unsubscribeMissed();
      for (const wake of stopAll) wake();
    },
  };
}
