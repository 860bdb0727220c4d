/**
 * A live state: data loaded once from the application's back end, then kept current by a
 * channel's messages — the orders of a restaurant, the status of a booking. Every message after
 * the load is applied once, in seq order; none that the load already reflects is applied again;
 * none is lost between the load and the first live message.
 *
 * How the load and the channel line up: the loader answers `{ data, seq }`, where `seq` is the
 * channel position its data reflects (every message with a seq at or below it is in `data`, none
 * above it is). Messages are buffered from the moment the live state starts, the load runs, and
 * then the messages after `seq` are applied on top: those buffered, those fetched from history
 * when the subscription started past `seq`, and everything live after them. A back end gets `seq`
 * either exactly (it remembers the seq of its own last publish to the channel) or by reading the
 * channel's head before it reads its data (`ctx.head()`); in that second case a message published
 * while the data was read may already be in it, so `reduce` must be idempotent (upsert by id, set a
 * status), as dashboards' reducers usually are.
 *
 * When the channel's retention no longer covers what the state missed (a long sleep), the state
 * reloads from the back end instead of skipping messages.
 */
import type { HistoryResult, Message } from '@herald/protocol';
import { fullJitter } from './backoff.js';
import { ChannelStream } from './channel-stream.js';
import { listeners, reportListenerError } from './emitter.js';
import { memoryStorage } from './storage.js';
import type { EventMap, TypedMessage } from './types.js';

/** What a loader answers: the data, and the channel seq it reflects. */
export interface LiveLoadResult<T> {
  data: T;
  /** The last seq of the channel that `data` reflects (0 for a channel without messages). */
  seq: number;
}

/** Passed to the loader. */
export interface LiveLoadContext {
  /** Aborted when this load is superseded (reload, close). */
  signal: AbortSignal;
  /**
   * The channel's head now. For back ends that cannot tell which seq their data reflects: read
   * the head first, then the data, and return `{ data, seq: head }` (with an idempotent `reduce`).
   */
  head(): Promise<number>;
}

export interface LiveStateOptions<T, Events extends EventMap = EventMap> {
  /** Load the current data from your back end, with the seq it reflects. Called again on reload. */
  load(ctx: LiveLoadContext): Promise<LiveLoadResult<T>>;
  /** Apply one message to the data; return the new data (do not mutate: snapshots are compared by identity). */
  reduce(data: T, message: TypedMessage<Events>): T;
  /**
   * Called after `reduce` for each message applied on top of a load: genuinely new events, for a
   * toast or a sound. Never called for what a load already reflects.
   */
  onMessage?(message: TypedMessage<Events>, data: T): void;
}

/**
 * - `loading`: the first load (or a reload) is running; `data` is the previous data, if any;
 * - `ready`: `data` is current and kept live;
 * - `error`: the load failed (retried with backoff) or the channel was refused (`error.code`).
 */
export type LiveStatus = 'loading' | 'ready' | 'error';

/** An immutable snapshot: a new object on every change (fit for useSyncExternalStore). */
export interface LiveSnapshot<T> {
  status: LiveStatus;
  /** Undefined until the first load completes. */
  data: T | undefined;
  /** The last seq applied to `data` (0 before the first load). */
  seq: number;
  /** Why `status` is `error`: a thrown error, or `{ code }` for a refused channel. */
  error: unknown;
}

export interface LiveState<T> {
  getSnapshot(): LiveSnapshot<T>;
  /** Listen for snapshot changes; returns the function that stops listening. */
  subscribe(listener: () => void): () => void;
  /** Load again from the back end (the channel keeps flowing meanwhile). */
  reload(): void;
  close(): void;
}

/** What the client gives a live state. */
export interface LiveDeps {
  /** Subscribe to the channel on the shared stream; returns the function that ends it. */
  subscribe(handler: (message: Message) => void, onReset: () => void): () => void;
  /** The shared stream's cursor (undefined until the server told it where to start). */
  sharedCursor(): number | undefined;
  /** Listen for the server refusing the channel. */
  onChannelError(listener: (code: string) => void): () => void;
  history(since: number | undefined, limit: number): Promise<HistoryResult>;
  gapTimeoutMs: number;
}

export function createLiveState<T, Events extends EventMap>(
  channel: string,
  options: LiveStateOptions<T, Events>,
  deps: LiveDeps,
): LiveState<T> {
  if (typeof options?.load !== 'function' || typeof options.reduce !== 'function') {
    throw new TypeError('live: `load` and `reduce` must be functions');
  }
  const changes = listeners<void>();
  const retry = fullJitter(1000, 30_000);
  let status: LiveStatus = 'loading';
  let data: T | undefined;
  let seq = 0;
  let error: unknown;
  let snapshot: LiveSnapshot<T> | undefined;
  let notifyQueued = false;
  let closed = false;
  let refused = false;
  let controller: AbortController | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The state's own cursor over the shared subscription: ordering, dedup and gaps are its job. */
  let own: ChannelStream;

  const changed = () => {
    snapshot = undefined;
    // One notification per turn: a replay of 1,000 messages renders once.
    if (notifyQueued) return;
    notifyQueued = true;
    queueMicrotask(() => {
      notifyQueued = false;
      if (!closed) changes.emit();
    });
  };

  // Only called after `begin(seq)`, which only follows a load: `data` is the loaded data.
  const apply = (message: Message) => {
    const typed = message as unknown as TypedMessage<Events>;
    data = options.reduce(data as T, typed);
    seq = message.seq;
    changed();
    if (options.onMessage) {
      try {
        options.onMessage(typed, data);
      } catch (err) {
        reportListenerError(err);
      }
    }
  };

  const newStream = () => {
    const stream = new ChannelStream(channel, () => 'live', {
      gapTimeoutMs: deps.gapTimeoutMs,
      storage: memoryStorage(),
      fetchHistory: (_channel, since) => deps.history(since, 1000),
    });
    stream.addHandler(apply, () => reload());
    return stream;
  };
  own = newStream();

  const head = async () => (await deps.history(undefined, 1)).head;

  async function load(): Promise<void> {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    clearTimeout(retryTimer);
    status = 'loading';
    changed();
    let result: LiveLoadResult<T>;
    try {
      result = await options.load({ signal: mine.signal, head });
      if (!result || typeof result.seq !== 'number' || !Number.isInteger(result.seq) || result.seq < 0) {
        throw new TypeError(`live(${channel}): load() must answer { data, seq } with seq the channel position the data reflects`);
      }
    } catch (err) {
      if (mine.signal.aborted || closed) return;
      status = 'error';
      error = err;
      changed();
      retryTimer = setTimeout(() => void load(), retry.next());
      return;
    }
    if (mine.signal.aborted || closed || refused) return;
    retry.reset();
    data = result.data;
    seq = result.seq;
    error = undefined;
    status = 'ready';
    changed();
    // Messages held since the start (or since this reload) above `seq` apply now, in order.
    own.begin(result.seq);
    // Messages between `seq` and where the shared subscription started reached it before this
    // state listened: unless the shared cursor proves there are none, ask history.
    const shared = deps.sharedCursor();
    if (shared === undefined || shared > own.cursor!) own.catchUp();
  }

  function reload(): void {
    if (closed || refused) return;
    // A fresh cursor: what the old load reflected no longer matters.
    own.close();
    own = newStream();
    void load();
  }

  const unsubscribe = deps.subscribe((m) => own.receive(m), reload);
  const offError = deps.onChannelError((code) => {
    refused = true;
    controller?.abort();
    clearTimeout(retryTimer);
    status = 'error';
    error = { code };
    changed();
  });
  void load();

  return {
    getSnapshot() {
      snapshot ??= Object.freeze({ status, data, seq, error });
      return snapshot;
    },
    subscribe: (l) => changes.add(l),
    reload,
    close() {
      if (closed) return;
      closed = true;
      controller?.abort();
      clearTimeout(retryTimer);
      own.close();
      unsubscribe();
      offError();
      changes.clear();
    },
  };
}
