/**
 * One socket's subscription to one channel: the guarantee "each seq once, in order, none
 * skipped" is kept here, per socket, whatever the bus does.
 *
 * Messages are sent only as the continuation of what the socket already has (`lastSeq + 1`, + 2…).
 * A message at or below `lastSeq` is dropped (it was sent). One further ahead means the live stream
 * skipped something (another node's packet is late, lost, or its node died): the subscription holds
 * it, reads the gap from the store ({@link GapFiller}), then sends everything in order. A gap the
 * store cannot fill (retention removed it) is passed over, and the client's cursor tells it so.
 *
 * While held (a replay being answered, a gap being filled), live messages wait in `pending`.
 */
import type { Message, SubscribeResult } from '@herald/protocol';
import type { Metrics } from '../metrics/metrics.js';
import { dropTransport, type Backpressure } from './backpressure.js';
import type { HeraldSocket } from './connection.js';
import type { GapFiller } from './gap-filler.js';
import type { ChannelPacket } from './named-events.js';
import { writePacket, type Outgoing } from './outgoing.js';
import { type EncodedJson, subscribeAck } from './parser.js';
import { ordered } from './ordered.js';
import type { Subscription } from './registry.js';

/** Past this many held messages the socket is dropped: the client reconnects and replays from its cursor. */
const MAX_PENDING = 10_000;
/** Retry delays of a gap read that failed (the database is away): 100 ms doubling to 5 s. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 5000);

export interface SubscriptionDeps {
  metrics: Metrics;
  /** Closes a socket that lets too much wait for it (a slow consumer). */
  backpressure: Backpressure;
  gaps: GapFiller;
  log: { error(obj: unknown, msg: string): void };
}

export class SocketSubscription implements Subscription {
  /** Highest seq sent to the socket on this channel: anything at or below it is never sent again. */
  lastSeq = 0;
  /** Seqs up to here that the store did not have (retention) are not waited for again. */
  private filled = 0;
  /** Reasons to hold live messages (a replay, gap reads); `pending` exists while it is above 0. */
  private holds = 0;
  private pending: Message[] | null = null;
  /** False once unsubscribed: a gap read finishing later sends nothing. */
  private active = true;

  constructor(
    readonly channel: string,
    readonly sub: string,
    protected readonly socket: HeraldSocket,
    protected readonly deps: SubscriptionDeps,
  ) {}

  deliver(messages: Message[], packet?: ChannelPacket): number {
    if (this.pending) {
      for (const m of messages) this.pending.push(m);
      if (this.pending.length > MAX_PENDING) this.overflow();
      return 0;
    }
    const n = messages.length;
    const first = messages[0]!.seq;
    // The common case: exactly the next seqs, so the shared encoding fits as is.
    if (first === this.lastSeq + 1 && messages[n - 1]!.seq === first + n - 1) {
      this.lastSeq = first + n - 1;
      if (!packet) this.send(messages);
      else {
        const shared = this.take(packet);
        if (writePacket(this.socket, shared)) this.deps.backpressure.check(this.socket, shared.bytes);
      }
      return n;
    }
    const fresh: Message[] = [];
    let last = this.lastSeq;
    for (let i = 0; i < n; i++) {
      const m = messages[i]!;
      if (m.seq <= last) continue;
      // Seqs last+1 … m.seq-1 are missing; unless the store already said they are gone, read them.
      if (m.seq !== last + 1 && m.seq - 1 > this.filled) {
        this.lastSeq = last;
        this.send(fresh);
        this.catchUp(messages[n - 1]!.seq, messages.slice(i));
        return fresh.length;
      }
      fresh.push(m);
      last = m.seq;
    }
    this.lastSeq = last;
    this.send(fresh);
    return fresh.length;
  }

  /** Hold live messages (a replay is being answered) until {@link release}. */
  hold(): void {
    this.holds++;
    this.pending ??= [];
  }

  /** End one hold; after the last, send what waited, in order. */
  release(): void {
    if (this.holds === 0 || --this.holds > 0) return;
    const waiting = ordered(this.pending!);
    this.pending = null;
    if (waiting.length > 0 && this.active) this.deps.metrics.delivered.inc(this.deliver(waiting));
  }

  /**
   * Make sure everything up to `head` reaches the socket: read what it lacks from the store,
   * holding `held` (messages already in hand, ahead of the gap) and anything live meanwhile.
   */
  catchUp(head: number, held: readonly Message[] = []): void {
    const known = this.pending?.reduce((max, m) => Math.max(max, m.seq), this.lastSeq) ?? this.lastSeq;
    if (head <= known && held.length === 0) return;
    if (head - this.lastSeq > MAX_PENDING) {
      this.overflow();
      return;
    }
    this.hold();
    for (const m of held) this.pending!.push(m);
    const read = (attempt: number) => {
      const after = this.lastSeq;
      this.deps.gaps.fill(this.channel, after, head).then(
        (found) => {
          if (!this.active) return;
          this.filled = Math.max(this.filled, head);
          for (const m of found) this.pending!.push(m);
          this.release();
        },
        (err: unknown) => {
          if (!this.active) return;
          if (attempt === 0) this.deps.log.error({ err, channel: this.channel }, 'reading a gap failed; retrying');
          setTimeout(() => read(attempt + 1), retryDelay(attempt)).unref();
        },
      );
    };
    read(0);
  }

  /**
   * The client was answered with the channel's `head` and a replay that may stop short of it (at
   * most 1,000 messages): fetching the rest is the client's part, so seqs up to `head` are not
   * read again here.
   */
  answeredUpTo(head: number): void {
    this.filled = Math.max(this.filled, head);
  }

  /** The subscription ended: nothing more is sent, reads in flight are dropped. */
  close(): void {
    this.active = false;
    this.pending = null;
    this.holds = 0;
  }

  /**
   * The ack of a `subscribe` that opened this subscription with `result` (its replay included).
   * Called just before the ack is sent: anything written here reaches the socket ahead of it.
   */
  replayAck(result: SubscribeResult): EncodedJson {
    return subscribeAck(result);
  }

  /** What this socket is written of a live delivery encoded for every socket of the channel. */
  protected take(packet: ChannelPacket): Outgoing {
    return packet;
  }

  /** Send `messages` (the next seqs, in order) to this socket alone. */
  protected send(messages: Message[]): void {
    if (messages.length === 0) return;
    // Checked before: what waits from earlier writes is what makes a socket slow.
    this.deps.backpressure.check(this.socket);
    if (messages.length === 1) this.socket.emit('message', messages[0]!);
    else this.socket.emit('messages', messages);
  }

  /**
   * Too much waits behind a gap the store cannot fill yet (the database is away): drop the
   * transport, not the session, so the client reconnects and replays from its cursor.
   */
  private overflow(): void {
    this.deps.log.error({ channel: this.channel, held: this.pending?.length }, 'too many messages behind a gap; reconnecting the socket');
    this.close();
    dropTransport(this.socket);
  }
}
