/**
 * The outbox: how the application tells Herald about its changes without ever losing one or
 * sending one twice, and how it knows which channel position its own data reflects.
 *
 * 1. A route changes the in-memory data and, in the same synchronous step, appends the events that
 *    announce the change (`publish`, `notify`). Nothing can come between the two: the data never
 *    holds a change the outbox does not know about, and the other way round.
 * 2. One worker sends the entries in order. Each entry got its idempotency key when it was
 *    created, so a retry after a lost answer returns Herald's first answer instead of publishing
 *    again. Network errors, 5xx and 429 are retried forever with full-jitter backoff: while Herald
 *    is down the application keeps working, and everything is published, once, when it is back.
 * 3. `seqOf(channel)` is the exact seq the current data reflects on a live-view channel: the last
 *    seq Herald answered for it, plus the entries still waiting that publish to it. This back end
 *    is the only publisher of those channels and publishes in order, so the waiting entries will
 *    get exactly the next seqs. `load` reads the data and `seqOf` in one synchronous step, which
 *    is what lets `herald.live()` apply exactly the messages after the load, none twice.
 *
 * Rule: notifications are never addressed to a live-view channel. A notification also adds a
 * message (`notification:new`) to the channel it is addressed to, and Herald itself adds inbox
 * messages to `user:` channels, so such a channel's count would no longer be ours alone.
 * Live views use their own names (`restaurant:7:dashboard`); notifications go to others
 * (`restaurant:7:admins`, `user:…`, `role:admin`). The outbox refuses to mix them.
 */
import { ulid } from 'ulid';
import { DemoError } from './errors.js';
import { HeraldError, type HeraldNodeClient, type NotifyInput } from '@herald/node';

/** Where the outbox (and the rest of the back end) writes its few log lines. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** A notification as the domain writes it; the outbox fixes its idempotency key unless given one. */
export type OutboxNotification = Omit<NotifyInput, 'idempotencyKey'> & { idempotencyKey?: string };

export interface Outbox {
  /** Append a publish of `data` as `event` on each channel. Synchronous: call it in the step that changes the data. */
  publish(channels: string[], event: string, data: unknown): void;
  /** Append a notification (never to a live-view channel). Synchronous, like `publish`. */
  notify(notification: OutboxNotification): void;
  /**
   * A live view's `{ data, seq }`: waits until the channel's position is known (the first time
   * only), then calls `read` and takes `seqOf(channel)` in the same synchronous step.
   * Answers `HERALD_UNAVAILABLE` if Herald cannot tell the position in time.
   * @example app.get('/api/kitchen', () => outbox.load('restaurant:7:kitchen', () => ({ orders: openOrders() })));
   */
  load<T>(channel: string, read: () => T): Promise<{ data: T; seq: number }>;
  /** The exact seq the current data reflects on `channel`; only after `load` (or `ready`) made it known. */
  seqOf(channel: string): number;
  /** Resolves once `channel`'s position is known. */
  ready(channel: string): Promise<void>;
  /** Entries not yet answered by Herald. */
  readonly size: number;
  /** Resolves when every entry appended so far has been answered. */
  drained(): Promise<void>;
  /** Stop the worker (entries still waiting are dropped: the data lives in memory too). */
  close(): Promise<void>;
}

export interface OutboxOptions {
  /** `@herald/node`, with `retries: 0`: the outbox retries itself, keeping its order. */
  api: HeraldNodeClient;
  log: Logger;
  /** Backoff cap of the first retry, ms; doubles per attempt. @default 500 */
  retryMinMs?: number;
  /** Largest backoff cap, ms. @default 10000 */
  retryMaxMs?: number;
  /** How long a first load waits for a channel's position before answering 503. @default 5000 */
  readyTimeoutMs?: number;
}

type Entry =
  | { kind: 'publish'; key: string; channels: string[]; event: string; data: unknown }
  | { kind: 'notify'; key: string; notification: OutboxNotification };

/** What the outbox knows of a live-view channel. */
interface ChannelState {
  /** The last seq Herald answered (or the head read before we ever published); undefined: not known yet. */
  last: number | undefined;
  /** Entries appended but not yet answered that publish to this channel. */
  pending: number;
}

/** A promise with its resolve function (Node 20 has no `Promise.withResolvers`). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Wait `ms`, or less if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * @example
 * const outbox = createOutbox({ api: createHerald({ url, apiKey, retries: 0 }), log: console });
 * orders.set(order.id, order);
 * outbox.publish(['restaurant:7:kitchen'], 'order:created', { order }); // same synchronous step
 */
export function createOutbox({ api, log, retryMinMs = 500, retryMaxMs = 10_000, readyTimeoutMs = 5000 }: OutboxOptions): Outbox {
  // Keys are unique per process and entry, so two runs against the same Herald never collide.
  const prefix = `demo-${ulid()}`;
  let counter = 0;
  const queue: Entry[] = [];
  const channels = new Map<string, ChannelState>();
  const notified = new Set<string>();
  const headReads = new Map<string, Promise<number>>();
  const stop = new AbortController();
  let worker: Promise<void> | undefined;
  let progress = deferred();
  let idle = deferred();
  idle.resolve();

  const backoff = (attempt: number) => Math.round(Math.random() * Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(attempt, 30)));

  const stateOf = (channel: string) => {
    let s = channels.get(channel);
    if (!s) channels.set(channel, (s = { last: undefined, pending: 0 }));
    return s;
  };

  function append(entry: Entry): void {
    if (stop.signal.aborted) throw new Error('outbox: closed');
    if (queue.length === 0) idle = deferred();
    queue.push(entry);
    worker ??= run().finally(() => (worker = undefined));
  }

  /** Herald answered an entry (or refused it for good): the channels' positions move on. */
  function settle(entry: Entry, refs: { channel: string; seq: number }[]): void {
    queue.shift();
    if (entry.kind === 'publish') {
      for (const ref of refs) {
        const s = stateOf(ref.channel);
        if (s.last !== undefined && ref.seq !== s.last + 1) {
          log.warn(`outbox: ${ref.channel} got seq ${ref.seq}, expected ${s.last + 1}: is something else publishing on it?`);
        }
        s.last = ref.seq;
      }
      for (const channel of entry.channels) stateOf(channel).pending--;
    }
    progress.resolve();
    progress = deferred();
    if (queue.length === 0) idle.resolve();
  }

  async function send(entry: Entry): Promise<{ channel: string; seq: number }[]> {
    if (entry.kind === 'publish') {
      const { channels: to, event, data, key } = entry;
      return (await api.publish({ channels: to, event, data, idempotencyKey: key })).messages;
    }
    return (await api.notify({ ...entry.notification, idempotencyKey: entry.key })).notifications;
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let failingSince = 0;
    while (queue.length > 0 && !stop.signal.aborted) {
      const entry = queue[0]!;
      try {
        const refs = await send(entry);
        if (stop.signal.aborted) return;
        settle(entry, refs);
        if (failingSince) {
          log.info(`outbox: Herald is reachable again after ${((Date.now() - failingSince) / 1000).toFixed(1)} s; sending ${queue.length} waiting entries`);
          failingSince = 0;
        }
        attempt = 0;
      } catch (err) {
        if (!(err instanceof HeraldError) || !err.retryable) {
          // The same request would be refused again: a bug in this back end. Log it and go on,
          // or one bad entry would hold back every later one.
          const why = err instanceof HeraldError ? `${err.code}: ${err.message}` : String(err);
          log.error(`outbox: Herald refused ${entry.kind} ${entry.key} (${why}); dropped`);
          settle(entry, []);
          continue;
        }
        if (!failingSince) {
          failingSince = Date.now();
          log.warn(`outbox: cannot reach Herald (${err.code}: ${err.message}); retrying with backoff, ${queue.length} entries waiting`);
        }
        await sleep(backoff(attempt++), stop.signal);
      }
    }
  }

  /** Wait for the next answered entry, or until `deadline`. */
  async function nextProgress(deadline: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([progress.promise, new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
    clearTimeout(timer);
  }

  async function ready(channel: string): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const s = stateOf(channel);
      if (s.last !== undefined) return;
      if (stop.signal.aborted || Date.now() >= deadline) {
        throw new DemoError('HERALD_UNAVAILABLE', `Herald did not tell the position of ${channel} in time`);
      }
      if (s.pending > 0) {
        // Some of our entries may already be stored without their answer: a head read now could
        // count them or not. The first answer for this channel tells the position exactly.
        await nextProgress(deadline);
        continue;
      }
      try {
        let read = headReads.get(channel);
        if (!read) {
          read = api
            .history(channel, { limit: 1 })
            .then((page) => page.head)
            .finally(() => headReads.delete(channel));
          headReads.set(channel, read);
        }
        const head = await read;
        // Only valid if nothing of ours touched the channel during the read: otherwise an answer
        // has set `last` already, or one is coming (pending > 0) and the loop waits for it.
        if (s.last === undefined && s.pending === 0) s.last = head;
      } catch {
        await sleep(Math.min(backoff(attempt), Math.max(0, deadline - Date.now())), stop.signal);
      }
    }
  }

  function seqOf(channel: string): number {
    const s = channels.get(channel);
    if (s?.last === undefined) throw new Error(`outbox: the position of ${channel} is not known yet; await ready() or use load()`);
    return s.last + s.pending;
  }

  return {
    publish(to, event, data) {
      const mixed = to.find((c) => notified.has(c));
      if (mixed) throw new Error(`outbox: ${mixed} receives notifications, so it cannot be a live-view channel`);
      for (const channel of to) stateOf(channel).pending++;
      // A copy taken now: the entry announces the record as it is at this step, whatever happens to it later.
      append({ kind: 'publish', key: `${prefix}-${++counter}`, channels: [...to], event, data: structuredClone(data) });
    },
    notify(notification) {
      const mixed = notification.to.find((c) => channels.has(c));
      if (mixed) throw new Error(`outbox: ${mixed} is a live-view channel; notifications go to other channels`);
      for (const channel of notification.to) notified.add(channel);
      const key = notification.idempotencyKey ?? `${prefix}-${++counter}`;
      append({ kind: 'notify', key, notification: structuredClone(notification) });
    },
    async load(channel, read) {
      await ready(channel);
      return { data: read(), seq: seqOf(channel) };
    },
    seqOf,
    ready,
    get size() {
      return queue.length;
    },
    drained: () => idle.promise,
    async close() {
      stop.abort();
      progress.resolve(); // wakes loads waiting for an answer; they see the outbox closed
      await worker;
    },
  };
}
