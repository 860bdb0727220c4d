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
  type ServerToClientEvents,
  type SubscribeResult,
} from '@herald/protocol';
import type { Socket } from 'socket.io';
import { CLOCK_TOLERANCE_S, inboxChannels, isEntitled, type ClientPrincipal, type TokenVerifier } from '../auth/index.js';
import type { Limits } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/index.js';
import { dropTransport, type Backpressure } from './backpressure.js';
import { parsePayload } from '../util/validate.js';
import type { ExpirySweep } from './expiry-sweep.js';
import { EncodedJson } from './parser.js';
import { leanSocket } from './lean-socket.js';
import type { GapFiller } from './gap-filler.js';
import { NamedSocketSubscription } from './named-subscription.js';
import type { PatchObserver } from './patches.js';
import type { Registry } from './registry.js';
import { SocketSubscription } from './subscription.js';

/** A Herald socket: its `data` is the handshake's result until it connects, then its {@link Connection}. */
export type HeraldSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, HandshakeData | Connection>;

/** What the handshake middleware leaves for the connection. */
export interface HandshakeData {
  principal: ClientPrincipal;
  inboxHeads: Map<string, number>;
  /** The handshake asked for named events (`auth.events: 'named'`, see `named-events.ts`). */
  named: boolean;
}

export interface ConnectionDeps {
  store: Store;
  registry: Registry;
  tokens: TokenVerifier;
  metrics: Metrics;
  /** Further socket events (the inbox's), answered through their ack. */
  operations: Readonly<Record<string, SocketOperation>>;
  /** Every event name handled, built once per server: anything else is `UNKNOWN_EVENT`. */
  knownEvents: ReadonlySet<string>;
  /** Token expiry of every socket of the gateway. */
  expiry: ExpirySweep;
  /** Reads what the live stream skipped. */
  gaps: GapFiller;
  /** Closes a socket that lets too much wait for it (a slow consumer). */
  backpressure: Backpressure;
  limits: Limits;
  /** Open sockets per `sub` on this node (`HERALD_CONNECTIONS_PER_USER`). */
  users: UserCount;
  /** Hears whether each library patch took effect on a connection (`patches.ts`). */
  patches: PatchObserver;
  log: { error(obj: unknown, msg: string): void; warn(obj: unknown, msg: string): void };
}

/** Open sockets per user. */
export interface UserCount {
  count(sub: string): number;
  open(sub: string): void;
  close(sub: string): void;
}

/** A socket event handler: validates its payload, acts as the principal, resolves the ack's fields. */
export type SocketOperation = (principal: ClientPrincipal, payload: unknown) => Promise<object>;

/** The ack of an event the client sent without one. */
const NO_ACK = () => {};

/** The ack of an event refused by the socket's event rate: one body for every refusal. */
const RATE_LIMITED = Object.freeze({ ok: false, error: Object.freeze(new HeraldError('RATE_LIMITED').toBody()) });

/**
 * A socket that has this many times its event rate refused within one second is not a client
 * retrying too fast but one flooding: its transport is closed.
 */
const FLOOD_FACTOR = 10;

/**
 * A socket's subscriptions. Most sockets hold two or three (their inbox channels and a channel or
 * two), which an exact-size array keeps in ~0.2 KiB less than a Map; past {@link SMALL} a Map.
 */
type Subscriptions = readonly SocketSubscription[] | Map<string, SocketSubscription>;
const SMALL = 16;
const NONE: readonly SocketSubscription[] = Object.freeze([]);

function lookup(subs: Subscriptions, channel: string): SocketSubscription | undefined {
  if (subs instanceof Map) return subs.get(channel);
  for (const s of subs) if (s.channel === channel) return s;
  return undefined;
}

/** `subs` with `s` added (`s.channel` is not in it). */
function withAdded(subs: Subscriptions, s: SocketSubscription): Subscriptions {
  if (subs instanceof Map) return subs.set(s.channel, s);
  // concat and slice allocate exactly the length (spread and filter leave spare capacity behind).
  if (subs.length < SMALL) return subs.concat(s);
  return new Map([...subs, s].map((x) => [x.channel, x]));
}

/** `subs` without `s`. */
function withRemoved(subs: Subscriptions, s: SocketSubscription): Subscriptions {
  if (subs instanceof Map) {
    subs.delete(s.channel);
    return subs;
  }
  const rest = subs.filter((x) => x !== s);
  return rest.length === 0 ? NONE : rest.slice();
}

const channelsOf = (subs: Subscriptions): string[] => (subs instanceof Map ? [...subs.keys()] : subs.map((s) => s.channel));

/** The queue of a socket with no operation running: shared, so an idle socket holds no promise of its own. */
const IDLE: Promise<unknown> = Promise.resolve();

/**
 * One connected socket's state and operations. One object per socket with its methods on the
 * prototype: its handlers are two functions shared by every socket ({@link onSocketEvent},
 * {@link onSocketDisconnect}), not a dozen closures per socket, which matters with tens of
 * thousands of idle sockets per process.
 */
export class Connection {
  private subscriptions: Subscriptions = NONE;
  private queue: Promise<unknown> = IDLE;
  private closed = false;
  /** The `sub` counted in `users` (an `auth` may change the principal's). */
  private readonly user: string;
  /** The socket's event bucket (`HERALD_SOCKET_EVENT_RATE`, `_BURST`): tokens, and when they were last refilled (ms). */
  private tokens: number;
  private refilledAt = 0;
  /** Events refused in the second that began at `refusedSince`. */
  private refused = 0;
  private refusedSince = 0;
  /** When the token in force runs out, past the leeway (ms since the epoch): the expiry sweep reads it. */
  deadline: number;

  /**
   * Wire a connected socket. `inboxHeads` are the heads of its inbox channels read during the
   * handshake: the socket receives everything stored after them. `named`: it receives messages
   * as named events rather than envelopes.
   */
  constructor(
    private readonly socket: HeraldSocket,
    private principal: ClientPrincipal,
    inboxHeads: ReadonlyMap<string, number>,
    private readonly deps: ConnectionDeps,
    private readonly named = false,
  ) {
    socket.data = this;
    this.user = principal.sub;
    deps.users.open(principal.sub);
    this.tokens = Math.max(1, deps.limits.socketEventBurst);
    // socket.io calls both with the socket as `this`: see onSocketEvent. `leanSocket` adds the first.
    deps.patches('lean-socket', leanSocket(socket, onSocketEvent as (...args: unknown[]) => void));
    socket.on('disconnect', onSocketDisconnect as () => void);
    deps.metrics.connections.inc();
    this.deadline = this.deadlineOf(principal);
    deps.expiry.add(this);
    this.serialized(async () => (await this.subscribeInbox(inboxHeads), {}), NO_ACK);
  }

  /** An event from the client, with its ack (when it sent one) as the last argument. */
  onEvent(event: string, args: unknown[]): void {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (result: unknown) => void) : NO_ACK;
    if (!this.admit()) {
      this.refuse(ack);
      return;
    }
    if (!this.deps.knownEvents.has(event)) {
      ack({ ok: false, error: new HeraldError('UNKNOWN_EVENT', `Unknown event "${String(event).slice(0, 100)}"`).toBody() });
      return;
    }
    // A client may leave out the payload or the ack.
    const payload = args[0];
    this.serialized((afterAck) => this.perform(event, payload, afterAck), ack);
  }

  onDisconnect(): void {
    this.closed = true;
    this.deps.users.close(this.user);
    this.deps.expiry.delete(this);
    for (const channel of channelsOf(this.subscriptions)) this.removeSubscription(channel);
    this.deps.metrics.connections.dec();
  }

  /** The token ran out (past the leeway): end the subscriptions with AUTH_EXPIRED, then the socket. */
  expire(): void {
    if (this.closed) return;
    for (const channel of channelsOf(this.subscriptions)) {
      this.removeSubscription(channel);
      this.socket.emit('unsubscribed', { channel, code: 'AUTH_EXPIRED' });
    }
    this.socket.disconnect(true);
  }

  /** Take one token of the socket's event bucket, if there is one. */
  private admit(): boolean {
    const { socketEventRate: rate, socketEventBurst: burst } = this.deps.limits;
    if (rate === 0) return true;
    const now = Date.now();
    this.tokens = Math.min(Math.max(1, burst), this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** An event over the socket's rate: `RATE_LIMITED`, or, for a flood, the transport closed. */
  private refuse(ack: (result: unknown) => void): void {
    const { metrics, limits, log } = this.deps;
    const now = Date.now();
    if (now - this.refusedSince >= 1000) {
      this.refusedSince = now;
      this.refused = 0;
    }
    if (++this.refused > FLOOD_FACTOR * limits.socketEventRate) {
      if (dropTransport(this.socket)) {
        metrics.limitRefusals.inc({ limit: 'socket_events_disconnect' });
        log.warn({ sub: this.user, code: 'RATE_LIMITED' }, 'socket flooding events; closing its transport');
      }
      return;
    }
    metrics.limitRefusals.inc({ limit: 'socket_events' });
    ack(RATE_LIMITED);
  }

  private deadlineOf(principal: ClientPrincipal): number {
    return principal.expiresAt + CLOCK_TOLERANCE_S * 1000;
  }

  /** A known event: validate its payload, act, resolve the ack's fields. */
  private perform(event: string, payload: unknown, afterAck: (fn: () => void) => void): Promise<object | EncodedJson> {
    switch (event) {
      case 'subscribe':
        return this.subscribe(payload, afterAck);
      case 'unsubscribe':
        return this.unsubscribe(payload);
      case 'auth':
        return this.auth(payload);
      default:
        // knownEvents holds exactly the three above and the keys of `operations`.
        return this.deps.operations[event]!(this.principal, payload);
    }
  }

  private addSubscription(channel: string): SocketSubscription {
    let s = lookup(this.subscriptions, channel);
    if (!s) {
      const Kind = this.named ? NamedSocketSubscription : SocketSubscription;
      s = new Kind(channel, this.principal.sub, this.socket, this.deps);
      this.subscriptions = withAdded(this.subscriptions, s);
      this.deps.registry.add(s);
      this.deps.metrics.subscriptions.inc();
    }
    return s;
  }

  private removeSubscription(channel: string): void {
    const s = lookup(this.subscriptions, channel);
    if (!s) return;
    this.subscriptions = withRemoved(this.subscriptions, s);
    this.deps.registry.remove(s);
    s.close();
    this.deps.metrics.subscriptions.dec();
  }

  /**
   * Open `s` from `since`: read its state and the messages after `since`; live messages arriving
   * meanwhile are held until `s.release()`.
   */
  private async open(s: SocketSubscription, since: number | undefined): Promise<SubscribeResult> {
    const { store } = this.deps;
    const state = (await store.channelStates([s.channel])).get(s.channel)!;
    let messages: SubscribeResult['messages'] = [];
    let recovered = true;
    if (since === undefined) {
      s.lastSeq = Math.max(s.lastSeq, state.head);
    } else if (since > state.head || since < state.floor) {
      // The cursor is from before retention's reach, or from another database: start over.
      recovered = false;
      s.lastSeq = state.head;
    } else {
      // Up to the head just read: on a shared database later messages may already be readable,
      // and they come as live traffic after the ack (the answer's head and messages agree).
      messages = await store.read(s.channel, since, Math.min(MAX_REPLAY, state.head - since));
      s.lastSeq = messages.length > 0 ? messages[messages.length - 1]!.seq : since;
    }
    s.answeredUpTo(state.head);
    return { channel: s.channel, head: state.head, recovered, messages };
  }

  /**
   * Subscribe to the inbox channels not yet subscribed, from `heads` (read during the handshake,
   * before the client saw `connect`) so that whatever was published since is sent, not lost.
   */
  private async subscribeInbox(heads?: ReadonlyMap<string, number>): Promise<void> {
    // All of them registered (and holding live messages) first, so that the socket's
    // subscriptions are complete the moment it has any.
    const opened = inboxChannels(this.principal)
      .filter((channel) => !lookup(this.subscriptions, channel))
      .map((channel) => {
        const s = this.addSubscription(channel);
        s.hold();
        return s;
      });
    try {
      for (const s of opened) {
        const since = heads?.get(s.channel);
        if (since === undefined) {
          await this.open(s, undefined); // live from the head it reads
        } else {
          // `since` is the head read during the handshake: retention reaches it and it is not
          // ahead of the head, so what came after it is all there is to read. It goes out as live
          // traffic: the replayed gap first, then what arrived meanwhile.
          s.lastSeq = since;
          const missed = await this.deps.store.read(s.channel, since, MAX_REPLAY);
          if (missed.length > 0) s.deliver(missed); // held: it goes out first, on release
        }
      }
    } finally {
      for (const s of opened) s.release();
    }
  }

  /**
   * Run `op` after the socket's earlier operations, answer its ack with the result or the error,
   * then run what `op` left for after the ack (live messages held back during a replay). A result
   * that is {@link EncodedJson} is the whole ack, `ok` included, already encoded.
   */
  private serialized<T extends object>(
    op: (afterAck: (fn: () => void) => void) => Promise<T | EncodedJson>,
    ack: (result: Ack<T> | EncodedJson) => void,
  ): void {
    const current: Promise<void> = this.queue.then(async () => {
      if (this.closed) return;
      const after: (() => void)[] = [];
      try {
        const result = await op((fn) => after.push(fn));
        ack(result instanceof EncodedJson ? result : ({ ok: true, ...result } as Ack<T>));
        // A replay's ack may be large: it counts towards the socket's backlog too, as does a
        // replay sent just before it as named events.
        if (result instanceof EncodedJson) this.deps.backpressure.check(this.socket, result.json.length + result.sentBefore);
      } catch (err) {
        if (err instanceof HeraldError) {
          ack({ ok: false, error: err.toBody() });
        } else {
          this.deps.log.error({ err }, 'socket operation failed');
          ack({ ok: false, error: new HeraldError('INTERNAL').toBody() });
        }
      }
      for (const fn of after) fn();
      // Nothing queued behind it: let go of this promise.
      if (this.queue === current) this.queue = IDLE;
    });
    this.queue = current;
  }

  /**
   * Answers with the ack already encoded: a replay's messages are stringified once for all
   * sockets (or, on a named-events socket, sent ahead of the ack as events).
   */
  private async subscribe(payload: unknown, afterAck: (fn: () => void) => void): Promise<EncodedJson> {
    const { channel, since } = parsePayload(subscribePayloadSchema, payload);
    if (!isEntitled(this.principal, channel)) throw new HeraldError('CHANNEL_FORBIDDEN', undefined, { channel });
    const existed = lookup(this.subscriptions, channel) !== undefined;
    const max = this.deps.limits.subscriptionsPerSocket;
    if (!existed && max !== 0 && this.subscriptionCount() >= max) {
      this.deps.metrics.limitRefusals.inc({ limit: 'subscriptions_per_socket' });
      throw new HeraldError('SUBSCRIPTION_LIMIT', undefined, { max });
    }
    const s = this.addSubscription(channel);
    s.hold();
    afterAck(() => s.release());
    try {
      const result = await this.open(s, since);
      this.deps.metrics.delivered.inc(result.messages.length);
      return s.replayAck(result);
    } catch (err) {
      if (!existed) this.removeSubscription(channel);
      throw err;
    }
  }

  private subscriptionCount(): number {
    return this.subscriptions instanceof Map ? this.subscriptions.size : this.subscriptions.length;
  }

  private async unsubscribe(payload: unknown): Promise<object> {
    const { channel } = parsePayload(unsubscribePayloadSchema, payload);
    this.removeSubscription(channel);
    return {};
  }

  private async auth(payload: unknown): Promise<object> {
    const { token } = parsePayload(authPayloadSchema, payload);
    const principal = await this.deps.tokens.verify(token);
    // The sweep finds an item by the deadline it was added with.
    this.deps.expiry.delete(this);
    this.principal = principal;
    this.deadline = this.deadlineOf(principal);
    this.deps.expiry.add(this);
    for (const channel of channelsOf(this.subscriptions)) {
      if (!isEntitled(principal, channel)) {
        this.removeSubscription(channel);
        this.socket.emit('unsubscribed', { channel, code: 'CHANNEL_FORBIDDEN' });
      }
    }
    await this.subscribeInbox();
    return {};
  }
}

/**
 * The one any-event listener of every socket. socket.io calls any-listeners with the socket as
 * `this` (`listener.apply(this, args)` in its `Socket#onevent`), and its `data` holds the
 * socket's Connection from the moment the listener is added.
 */
function onSocketEvent(this: HeraldSocket, event: string, ...args: unknown[]): void {
  connectionOf(this).onEvent(event, args);
}

/** The one `disconnect` listener of every socket (EventEmitter calls it with the socket as `this`). */
function onSocketDisconnect(this: HeraldSocket): void {
  connectionOf(this).onDisconnect();
}

/**
 * The guard on the `this` above: should a socket.io release call its listeners otherwise, every
 * event fails loudly (and every socket test with it) instead of going astray.
 */
function connectionOf(socket: HeraldSocket | undefined): Connection {
  const c = socket?.data;
  if (c instanceof Connection) return c;
  throw new Error('socket event without its Connection: socket.io no longer calls listeners with the socket as `this`');
}
