/**
 * `createHerald(options)`: the client. It owns the token, the connection (socket or polling), one
 * stream per subscribed channel, and the inbox.
 */
import { BROADCAST_CHANNEL, MAX_REPLAY, roleChannel, userChannel, type HistoryResult, type Message, type Notification } from '@herald/protocol';
import { fullJitter } from './backoff.js';
import { ChannelStream } from './channel-stream.js';
import { createConnection } from './connection.js';
import { listeners } from './emitter.js';
import { UnauthorizedError } from './errors.js';
import { createHttpClient } from './http.js';
import { createInbox, type InboxClient } from './inbox.js';
import { createLiveState, type LiveState, type LiveStateOptions } from './live-state.js';
import { defaultStorage } from './storage.js';
import { createTokenManager, type TokenClaims } from './token.js';
import type { ConnectionState, EventMap, HeraldOptions, StateChange, SubscribeOptions, TypedMessage } from './types.js';

export interface HeraldClient<Events extends EventMap = EventMap> {
  /** Where the connection stands now. */
  readonly state: ConnectionState;
  /** Listen for `{ from, to }` state changes; returns the function that stops listening. */
  onStateChange(listener: (change: StateChange) => void): () => void;
  /**
   * Receive every message of `channel` once, in seq order, without gaps.
   * @returns the function that ends this subscription
   * @example const off = herald.subscribe('restaurant:7', (m) => console.log(m.seq, m.event, m.data));
   */
  subscribe(channel: string, handler: (message: TypedMessage<Events>) => void, options?: SubscribeOptions): () => void;
  /**
   * Data loaded from your back end and kept current by `channel`'s messages, each applied once,
   * in order, none lost or applied twice between the load and the first live message; reloaded
   * when retention no longer covers what it missed. See `LiveStateOptions` for how the load's
   * `seq` lines up with the channel.
   * @example
   * const orders = herald.live('restaurant:7', {
   *   load: () => fetch('/api/orders').then((r) => r.json()), // → { data: Order[], seq }
   *   reduce: (list, m) => (m.event === 'order:created' ? [m.data, ...list] : list),
   * });
   */
  live<T>(channel: string, options: LiveStateOptions<T, Events>): LiveState<T>;
  /**
   * Read a channel's stored messages after `since` (or its latest `limit` ones), with its head.
   * @default limit 100 (at most 1000)
   */
  history(channel: string, options?: { since?: number; limit?: number }): Promise<HistoryResult>;
  /** Notifications genuinely new to this user: not on first load, never twice, never muted types. */
  onNotification(listener: (notification: Notification) => void): () => void;
  /** A channel the server refused or ended (`CHANNEL_FORBIDDEN`, …). */
  onError(listener: (error: { channel: string; code: string }) => void): () => void;
  /** The synced inbox (when `inbox` is not `false`). */
  readonly inbox: InboxClient;
  /** Stop everything: socket, polling, timers. */
  close(): Promise<void>;
}

const DEFAULTS = {
  gapTimeoutMs: 250,
  pollAfterMs: 3000,
  syncWaitSeconds: 25,
  refreshBeforeExpiryMs: 60_000,
};

/**
 * Create a Herald client. It starts connecting at once.
 * @example
 * const herald = createHerald({ url: 'https://herald.example.com', getToken: () => fetchToken() });
 * herald.subscribe('restaurant:7', (m) => render(m));
 * herald.onNotification((n) => toast(n.title));
 */
export function createHerald<Events extends EventMap = EventMap>(options: HeraldOptions): HeraldClient<Events> {
  if (!options?.url) throw new TypeError('createHerald: `url` is required');
  if (typeof options.getToken !== 'function') throw new TypeError('createHerald: `getToken` must be a function');
  const storage = options.storage ?? defaultStorage();
  const prefix = options.storageKey ?? 'herald';
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const streams = new Map<string, ChannelStream>();
  const notifications = listeners<Notification>();
  const errors = listeners<{ channel: string; code: string }>();
  let claims: TokenClaims | undefined;
  let closed = false;

  const tokens = createTokenManager(
    options.getToken,
    options.refreshBeforeExpiryMs ?? DEFAULTS.refreshBeforeExpiryMs,
    (token, next) => {
      const first = claims === undefined;
      claims = next;
      if (!first) connection.applyToken(token);
      ensureInboxStreams();
    },
    (err) => {
      if (err instanceof UnauthorizedError) connection.unauthorized();
    },
  );
  const http = createHttpClient(options.url, tokens, fetchImpl);
  const history = (channel: string, since: number | undefined, limit: number) =>
    http.request<HistoryResult>(
      'GET',
      `/v1/channels/${encodeURIComponent(channel)}/history?${since === undefined ? '' : `since=${since}&`}limit=${limit}`,
    );

  const streamFor = (channel: string): ChannelStream => {
    let stream = streams.get(channel);
    if (!stream) {
      // Cursors are kept per user, so another user signing in on the same device starts afresh.
      stream = new ChannelStream(channel, () => `${prefix}:${claims?.sub ?? '?'}:cursor:${channel}`, {
        gapTimeoutMs: options.gapTimeoutMs ?? DEFAULTS.gapTimeoutMs,
        storage,
        fetchHistory: (ch, since) => history(ch, since, MAX_REPLAY),
      });
      streams.set(channel, stream);
      connection.subscribe(stream);
    }
    return stream;
  };

  const connection = createConnection(
    {
      url: options.url,
      transports: options.transports ?? ['websocket', 'polling'],
      pollAfterMs: options.pollAfterMs ?? DEFAULTS.pollAfterMs,
      syncWaitSeconds: Math.min(options.syncWaitSeconds ?? DEFAULTS.syncWaitSeconds, 25),
      socketOptions: options.socketOptions,
      backoff: { minMs: options.backoff?.minMs ?? 500, maxMs: options.backoff?.maxMs ?? 30_000 },
    },
    {
      tokens,
      http,
      streams: () => streams.values(),
      stream: (channel) => streams.get(channel),
      onChannelError: (channel, code) => errors.emit({ channel, code }),
    },
  );

  const inboxEnabled = options.inbox !== false;
  const inbox = createInbox({
    http,
    storage,
    announcedKey: (channel) => `${prefix}:${claims?.sub ?? '?'}:announced${channel ? `:${channel}` : ''}`,
    announce: (n) => notifications.emit(n),
    online: () => connection.state === 'live' || connection.state === 'polling',
  });

  /** The channels whose `notification:*` messages make the inbox (SPEC §2). */
  const inboxStreams = new Set<string>();
  function ensureInboxStreams() {
    if (!inboxEnabled || !claims) return;
    const exact = claims.channels.filter((c) => !c.endsWith(':*') && !c.startsWith('user:') && !c.startsWith('role:'));
    for (const channel of [userChannel(claims.sub), ...claims.roles.map(roleChannel), BROADCAST_CHANNEL, ...exact]) {
      if (inboxStreams.has(channel)) continue;
      inboxStreams.add(channel);
      streamFor(channel).addHandler((m) => inbox.onMessage(m));
    }
  }

  connection.onStateChange(({ to }) => {
    if (to === 'live' || to === 'polling') {
      inbox.flush();
      if (inboxEnabled && !inbox.getSnapshot().loaded) void loadInbox();
    }
  });

  let loadingInbox = false;
  const loadBackoff = fullJitter(500, 30_000);
  let loadRetry: ReturnType<typeof setTimeout> | undefined;
  async function loadInbox() {
    if (loadingInbox || closed) return;
    loadingInbox = true;
    clearTimeout(loadRetry);
    try {
      await inbox.load();
      loadBackoff.reset();
    } catch {
      // Try again with backoff (and on the next change to live / polling).
      loadRetry = setTimeout(() => void loadInbox(), Math.max(loadBackoff.next(), 100));
    } finally {
      loadingInbox = false;
    }
  }

  // A getToken failure other than UnauthorizedError (network) is retried by the connection's
  // backoff, which asks for the token on every attempt.
  void tokens.get().then(
    () => !closed && connection.start(),
    (err) => (err instanceof UnauthorizedError ? connection.unauthorized() : !closed && connection.start()),
  );

  function subscribe(channel: string, handler: (m: Message) => void, onReset?: (channel: string) => void): () => void {
    const stream = streamFor(channel);
    const remove = stream.addHandler(handler, onReset);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      if (remove() && !inboxStreams.has(channel)) {
        stream.close();
        streams.delete(channel);
        connection.unsubscribe(channel);
      }
    };
  }

  return {
    get state() {
      return connection.state;
    },
    onStateChange: (l) => connection.onStateChange(l),
    subscribe: (channel, handler, subscribeOptions) => subscribe(channel, handler as (m: Message) => void, subscribeOptions?.onReset),
    live: (channel, liveOptions) =>
      createLiveState(channel, liveOptions, {
        subscribe: (handler, onReset) => subscribe(channel, handler, onReset),
        sharedCursor: () => streams.get(channel)?.cursor,
        onChannelError: (listener) => errors.add((e) => e.channel === channel && listener(e.code)),
        history: (since, limit) => history(channel, since, limit),
        gapTimeoutMs: options.gapTimeoutMs ?? DEFAULTS.gapTimeoutMs,
      }),
    history: (channel, historyOptions) =>
      history(channel, historyOptions?.since, Math.min(Math.max(historyOptions?.limit ?? 100, 1), MAX_REPLAY)),
    onNotification: (l) => notifications.add(l),
    onError: (l) => errors.add(l),
    inbox,
    async close() {
      closed = true;
      clearTimeout(loadRetry);
      tokens.stop();
      connection.close();
      inbox.close();
      for (const s of streams.values()) s.close();
      notifications.clear();
      errors.clear();
    },
  };
}
