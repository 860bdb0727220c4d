/**
 * One client socket: its principal, its subscriptions and its handlers. Operations of a socket run
 * one at a time, in the order they arrived, so a `subscribe` racing an `auth` or another
 * `subscribe` of the same channel always sees a settled state.
 */
import {
  authPayloadSchema,
  HeraldError,
  MAX_REPLAY,
  subscribePayloadSchema,
  unsubscribePayloadSchema,
  type Ack,
  type ClientToServerEvents,
  type Message,
  type ServerToClientEvents,
  type SubscribeResult,
} from '@herald/protocol';
import type { Socket } from 'socket.io';
import { CLOCK_TOLERANCE_S, inboxChannels, isEntitled, type ClientPrincipal, type TokenVerifier } from '../auth/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/index.js';
import type { Registry, Subscription } from './registry.js';

import { parsePayload } from '../util/validate.js';
import { writePacket, type OutgoingPacket } from './outgoing.js';

export type HeraldSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface ConnectionDeps {
  store: Store;
  registry: Registry;
  tokens: TokenVerifier;
  metrics: Metrics;
  /** Further socket events (the inbox's), answered through their ack. */
  operations: Readonly<Record<string, SocketOperation>>;
  /** Every event name handled, built once per server: anything else is `UNKNOWN_EVENT`. */
  knownEvents: ReadonlySet<string>;
  log: { error(obj: unknown, msg: string): void };
}

/** A socket event handler: validates its payload, acts as the principal, resolves the ack's fields. */
export type SocketOperation = (principal: ClientPrincipal, payload: unknown) => Promise<object>;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A socket's subscription. Live messages wait in `pending` while a replay is being answered. */
class SocketSubscription implements Subscription {
  /** Highest seq sent to the socket on this channel: anything at or below it is never sent again. */
  lastSeq = 0;
  pending: Message[] | null = null;

  constructor(
    readonly channel: string,
    readonly sub: string,
    private readonly socket: HeraldSocket,
    private readonly metrics: Metrics,
  ) {}

  deliver(messages: Message[], packet?: OutgoingPacket): number {
    if (this.pending) {
      this.pending.push(...messages);
      return 0;
    }
    // The common case: all of them are new to this socket, so the shared encoding fits as is.
    if (packet && messages[0]!.seq > this.lastSeq) {
      this.lastSeq = messages[messages.length - 1]!.seq;
      writePacket(this.socket, packet);
      return messages.length;
    }
    let fresh = messages;
    if (messages.length === 1) {
      if (messages[0]!.seq <= this.lastSeq) return 0;
    } else {
      // Keep each seq once and in ascending order (a replay may overlap what arrived live).
      fresh = [];
      let last = this.lastSeq;
      for (const m of messages) if (m.seq > last) (last = m.seq), fresh.push(m);
      if (fresh.length === 0) return 0;
    }
    this.lastSeq = fresh[fresh.length - 1]!.seq;
    if (fresh.length === 1) this.socket.emit('message', fresh[0]!);
    else this.socket.emit('messages', fresh);
    return fresh.length;
  }

  /** End the replay: send what arrived live meanwhile and is newer than the replay. */
  flush(): void {
    const pending = this.pending ?? [];
    this.pending = null;
    if (pending.length > 0) this.metrics.delivered.inc(this.deliver(pending));
  }
}


/**
 * Wire a connected socket. `inboxHeads` are the heads of its inbox channels read during the
 * handshake: the socket receives everything stored after them.
 */
export function attachConnection(
  socket: HeraldSocket,
  initial: ClientPrincipal,
  inboxHeads: ReadonlyMap<string, number>,
  deps: ConnectionDeps,
): void {
  const { store, registry, tokens, metrics, operations, knownEvents, log } = deps;
  let principal = initial;
  const subscriptions = new Map<string, SocketSubscription>();
  let queue: Promise<unknown> = Promise.resolve();
  let expiryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const addSubscription = (channel: string) => {
    let s = subscriptions.get(channel);
    if (!s) {
      s = new SocketSubscription(channel, principal.sub, socket, metrics);
      subscriptions.set(channel, s);
      registry.add(s);
      metrics.subscriptions.inc();
    }
    return s;
  };

  const removeSubscription = (channel: string) => {
    const s = subscriptions.get(channel);
    if (!s) return;
    subscriptions.delete(channel);
    registry.remove(s);
    metrics.subscriptions.dec();
  };

  /**
   * Open `s` from `since`: read its state and the messages after `since`; live messages arriving
   * meanwhile wait in `s.pending` until `s.flush()`.
   */
  const open = async (s: SocketSubscription, since: number | undefined) => {
    const state = (await store.channelStates([s.channel])).get(s.channel)!;
    let messages: Message[] = [];
    let recovered = true;
    if (since === undefined) {
      s.lastSeq = Math.max(s.lastSeq, state.head);
    } else if (since > state.head || since < state.floor) {
      // The cursor is from before retention's reach, or from another database: start over.
      recovered = false;
      s.lastSeq = state.head;
    } else {
      messages = await store.read(s.channel, since, MAX_REPLAY);
      s.lastSeq = messages.length > 0 ? messages[messages.length - 1]!.seq : since;
    }
    return { channel: s.channel, head: state.head, recovered, messages };
  };

  /**
   * Subscribe to the inbox channels not yet subscribed, from `heads` (read during the handshake,
   * before the client saw `connect`) so that whatever was published since is sent, not lost.
   */
  const subscribeInbox = async (heads?: ReadonlyMap<string, number>) => {
    for (const channel of inboxChannels(principal)) {
      if (subscriptions.has(channel)) continue;
      const s = addSubscription(channel);
      s.pending = [];
      try {
        const since = heads?.get(channel);
        if (since === undefined) {
          await open(s, undefined); // live from the head it reads
        } else {
          // `since` is the head read during the handshake: retention reaches it and it is not
          // ahead of the head, so what came after it is all there is to read. It goes out as live
          // traffic: the replayed gap first, then what arrived meanwhile.
          const missed = await store.read(channel, since, MAX_REPLAY);
          s.pending = [...missed, ...s.pending!];
          s.lastSeq = since;
        }
      } finally {
        s.flush();
      }
    }
  };

  const armExpiry = () => {
    clearTimeout(expiryTimer);
    const delay = Math.min(principal.expiresAt + CLOCK_TOLERANCE_S * 1000 - Date.now(), MAX_TIMER_MS);
    expiryTimer = setTimeout(() => {
      for (const channel of [...subscriptions.keys()]) {
        removeSubscription(channel);
        socket.emit('unsubscribed', { channel, code: 'AUTH_EXPIRED' });
      }
      socket.disconnect(true);
    }, Math.max(delay, 0));
    expiryTimer.unref();
  };

  /**
   * Run `op` after the socket's earlier operations, answer its ack with the result or the error,
   * then run what `op` left for after the ack (live messages held back during a replay).
   */
  const serialized = <T extends object>(op: (afterAck: (fn: () => void) => void) => Promise<T>, ack: (result: Ack<T>) => void) => {
    queue = queue.then(async () => {
      if (closed) return;
      const after: (() => void)[] = [];
      try {
        const result = await op((fn) => after.push(fn));
        ack({ ok: true, ...result } as Ack<T>);
      } catch (err) {
        if (err instanceof HeraldError) {
          ack({ ok: false, error: err.toBody() });
        } else {
          log.error({ err }, 'socket operation failed');
          ack({ ok: false, error: new HeraldError('INTERNAL').toBody() });
        }
      }
      for (const fn of after) fn();
    });
  };

  async function subscribe(payload: unknown, afterAck: (fn: () => void) => void): Promise<SubscribeResult> {
    const { channel, since } = parsePayload(subscribePayloadSchema, payload);
    if (!isEntitled(principal, channel)) throw new HeraldError('CHANNEL_FORBIDDEN', undefined, { channel });
    const existed = subscriptions.has(channel);
    const s = addSubscription(channel);
    s.pending = [];
    afterAck(() => (subscriptions.get(channel) === s ? s.flush() : undefined));
    try {
      const result = await open(s, since);
      metrics.delivered.inc(result.messages.length);
      return result;
    } catch (err) {
      if (!existed) removeSubscription(channel);
      throw err;
    }
  }

  /** Socket.IO passes the ack as the last argument; a client may leave out the payload or the ack. */
  const on = (event: string, op: (payload: unknown, afterAck: (fn: () => void) => void) => Promise<object>) => {
    socket.on(event as keyof ClientToServerEvents, (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: unknown) => void) : () => {};
      serialized((afterAck) => op(args[0], afterAck), ack);
    });
  };

  on('subscribe', subscribe);

  on('unsubscribe', async (payload) => {
    const { channel } = parsePayload(unsubscribePayloadSchema, payload);
    removeSubscription(channel);
    return {};
  });

  on('auth', async (payload) => {
    const { token } = parsePayload(authPayloadSchema, payload);
    principal = await tokens.verify(token);
    armExpiry();
    for (const channel of [...subscriptions.keys()]) {
      if (!isEntitled(principal, channel)) {
        removeSubscription(channel);
        socket.emit('unsubscribed', { channel, code: 'CHANNEL_FORBIDDEN' });
      }
    }
    await subscribeInbox();
    return {};
  });

  for (const [event, operation] of Object.entries(operations)) on(event, (payload) => operation(principal, payload));

  socket.onAny((event: string, ...args: unknown[]) => {
    if (knownEvents.has(event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack({ ok: false, error: new HeraldError('UNKNOWN_EVENT', `Unknown event "${String(event).slice(0, 100)}"`).toBody() });
  });

  socket.on('disconnect', () => {
    closed = true;
    clearTimeout(expiryTimer);
    for (const channel of [...subscriptions.keys()]) removeSubscription(channel);
    metrics.connections.dec();
  });

  metrics.connections.inc();
  armExpiry();
  serialized(async () => (await subscribeInbox(inboxHeads), {}), () => {});
}

