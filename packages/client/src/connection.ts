/**
 * The transport under the streams: a Socket.IO connection kept up with full-jitter backoff, and
 * `/v1/sync` long-polling while the socket is down for longer than `pollAfterMs`. Both feed the
 * same streams, which drop what they have already applied, so switching either way never
 * duplicates or loses a message.
 */
import type { Ack, ClientToServerEvents, Message, ServerToClientEvents, SubscribeResult } from '@herald/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { fullJitter } from './backoff.js';
import type { ChannelStream } from './channel-stream.js';
import { listeners } from './emitter.js';
import { HeraldRequestError, UnauthorizedError } from './errors.js';
import type { HttpClient } from './http.js';
import type { TokenManager } from './token.js';
import type { ConnectionState, StateChange } from './types.js';

export interface ConnectionOptions {
  url: string;
  transports: ('websocket' | 'polling')[];
  pollAfterMs: number;
  syncWaitSeconds: number;
  backoff: { minMs: number; maxMs: number };
  /** Extra socket.io-client options; Herald's own below take precedence. */
  socketOptions?: Partial<ManagerOptions & SocketOptions> | undefined;
}

export interface ConnectionDeps {
  tokens: TokenManager;
  http: HttpClient;
  streams(): Iterable<ChannelStream>;
  stream(channel: string): ChannelStream | undefined;
  /** A channel the server refused or ended (e.g. CHANNEL_FORBIDDEN). */
  onChannelError(channel: string, code: string): void;
}

export interface Connection {
  readonly state: ConnectionState;
  onStateChange(listener: (change: StateChange) => void): () => void;
  start(): void;
  /** Subscribe a stream on the live socket (polling picks streams up by itself). */
  subscribe(stream: ChannelStream): void;
  unsubscribe(channel: string): void;
  /** Apply a new token to the live socket in place. */
  applyToken(token: string): void;
  /** `getToken` refused for good. */
  unauthorized(): void;
  close(): void;
}

type HeraldSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A subscribe ack later than this means the socket is unhealthy: it is dropped and reopened. */
const ACK_TIMEOUT_MS = 15_000;

interface SyncAnswer {
  messages: Message[];
  heads: Record<string, number>;
  reset: string[];
}

export function createConnection(options: ConnectionOptions, deps: ConnectionDeps): Connection {
  const { tokens, http } = deps;
  const stateListeners = listeners<StateChange>();
  let state: ConnectionState = 'connecting';
  let closed = false;
  const socketBackoff = fullJitter(options.backoff.minMs, options.backoff.maxMs);
  const pollBackoff = fullJitter(options.backoff.minMs, options.backoff.maxMs);
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let polling: AbortController | undefined;

  const setState = (to: ConnectionState) => {
    if (state === to || state === 'unauthorized') return;
    const from = state;
    state = to;
    stateListeners.emit({ from, to });
  };

  const socket: HeraldSocket = io(options.url, {
    ...options.socketOptions,
    path: '/socket.io',
    transports: options.transports,
    reconnection: false,
    autoConnect: false,
    forceNew: true,
    auth: (cb) => {
      tokens.get().then(
        (token) => cb({ token }),
        (err) => (err instanceof UnauthorizedError ? connection.unauthorized() : cb({})),
      );
    },
  });

  /** Ask `getToken` for a new token; a refusal for good ends everything. */
  const refreshToken = () => {
    tokens.refresh().catch((e) => e instanceof UnauthorizedError && connection.unauthorized());
  };

  const scheduleReconnect = () => {
    if (closed || state === 'unauthorized' || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!closed && !socket.connected) socket.connect();
    }, socketBackoff.next());
  };

  /** The socket is down: poll once it has been down for `pollAfterMs`. */
  const armPolling = () => {
    if (closed || polling || pollTimer !== undefined || state === 'unauthorized') return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      if (!socket.connected) void pollLoop();
    }, options.pollAfterMs);
  };

  const stopPolling = () => {
    clearTimeout(pollTimer);
    pollTimer = undefined;
    polling?.abort();
    polling = undefined;
  };

  const subscribeOnSocket = async (stream: ChannelStream) => {
    const payload = stream.cursor === undefined ? { channel: stream.channel } : { channel: stream.channel, since: stream.cursor };
    let ack: Ack<SubscribeResult>;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('subscribe', payload);
    } catch {
      // No answer: the connection is broken in a way the transport has not noticed yet.
      if (socket.connected) socket.disconnect().connect();
      return;
    }
    if (deps.stream(stream.channel) !== stream) return;
    if (ack.ok) stream.onSubscribed(ack);
    else deps.onChannelError(stream.channel, ack.error.code);
  };

  socket.on('connect', () => {
    socketBackoff.reset();
    stopPolling();
    setState('live');
    for (const stream of deps.streams()) void subscribeOnSocket(stream);
  });

  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    const code = err.data?.code;
    if (code === 'AUTH_EXPIRED' || code === 'AUTH_INVALID') refreshToken();
    if (state === 'live') setState('connecting');
    armPolling();
    scheduleReconnect();
  });

  socket.on('disconnect', (reason) => {
    if (closed || reason === 'io client disconnect') return;
    if (state === 'live') setState('connecting');
    armPolling();
    scheduleReconnect();
  });

  socket.on('message', (m) => deps.stream(m.channel)?.receive(m));
  socket.on('messages', (ms) => {
    for (const m of ms) deps.stream(m.channel)?.receive(m);
  });
  socket.on('unsubscribed', ({ channel, code }) => {
    // AUTH_EXPIRED: the server disconnects next; the reconnect asks getToken for a new token.
    if (code === 'AUTH_EXPIRED') refreshToken();
    else deps.onChannelError(channel, code);
  });

  async function pollLoop(): Promise<void> {
    const controller = new AbortController();
    polling = controller;
    // The first poll answers at once (wait=0): the state shows `polling` as soon as it works.
    let wait = 0;
    while (!controller.signal.aborted && !closed) {
      const streams = [...deps.streams()];
      const cursors = streams.map((s) => (s.cursor === undefined ? s.channel : `${s.channel}:${s.cursor}`)).join(',');
      try {
        if (streams.length === 0) {
          if (state !== 'live') setState('polling');
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        const answer = await http.request<SyncAnswer>(
          'GET',
          `/v1/sync?cursors=${encodeURIComponent(cursors)}&wait=${wait}`,
          undefined,
          controller.signal,
        );
        pollBackoff.reset();
        if (state !== 'live') setState('polling');
        const byChannel = new Map<string, Message[]>();
        for (const m of answer.messages) {
          const list = byChannel.get(m.channel);
          if (list) list.push(m);
          else byChannel.set(m.channel, [m]);
        }
        const reset = new Set(answer.reset);
        for (const [channel, head] of Object.entries(answer.heads)) {
          deps.stream(channel)?.onSync(byChannel.get(channel) ?? [], head, reset.has(channel));
        }
        // More than one answer's worth was missed: ask again at once.
        wait = streams.some((s) => s.behind) ? 0 : options.syncWaitSeconds;
      } catch (err) {
        if (controller.signal.aborted) break;
        if (err instanceof UnauthorizedError) {
          connection.unauthorized();
          break;
        }
        if (err instanceof HeraldRequestError && err.code === 'CHANNEL_FORBIDDEN') {
          const channel = (err.details as { channel?: string } | undefined)?.channel;
          if (channel) deps.onChannelError(channel, err.code);
          continue;
        }
        if (state !== 'live') setState('offline');
        await new Promise((r) => setTimeout(r, pollBackoff.next()));
      }
    }
    if (polling === controller) polling = undefined;
  }

  const connection: Connection = {
    get state() {
      return state;
    },
    onStateChange: (l) => stateListeners.add(l),
    start() {
      socket.connect();
      armPolling();
    },
    subscribe(stream) {
      if (socket.connected) void subscribeOnSocket(stream);
    },
    unsubscribe(channel) {
      if (socket.connected) socket.emit('unsubscribe', { channel }, () => {});
    },
    applyToken(token) {
      if (socket.connected) {
        socket.timeout(ACK_TIMEOUT_MS).emit('auth', { token }, (err: unknown, ack?: Ack) => {
          // A refused token on a live socket: reconnect, which asks getToken again.
          if (!err && ack && !ack.ok) socket.disconnect().connect();
        });
      }
    },
    unauthorized() {
      setState('unauthorized');
      connection.close();
    },
    close() {
      closed = true;
      clearTimeout(reconnectTimer);
      stopPolling();
      socket.disconnect();
    },
  };
  return connection;
}
