/**
 * This node's subscriptions: which local sockets listen to which channel, and delivery to them.
 *
 * Delivery of large fan-outs is coalesced per event-loop turn: everything the bus hands over in one
 * turn is grouped per channel, encoded once as one Socket.IO packet (`message` for one, `messages` for several),
 * and that same encoded packet is written to every subscription that can take it as is. Only a
 * subscription that must filter (a replay in progress, an overlap) builds its own packet.
 */
import type { Message } from '@herald/protocol';
import { Encoder, PacketType } from 'socket.io-parser';
import { ChannelPacket } from './named-events.js';
import { ordered } from './ordered.js';

/** One socket's subscription to one channel. */
export interface Subscription {
  readonly channel: string;
  readonly sub: string | undefined;
  /**
   * Messages of this channel, ascending by seq, with their shared encodings (envelope, and named
   * events on demand); returns how many were sent to the socket.
   */
  deliver(messages: Message[], packet: ChannelPacket): number;
  /** Make sure the socket gets everything up to `head` (after a resync found the bus lost some). */
  catchUp?(head: number): void;
}

export interface Registry {
  add(subscription: Subscription): void;
  remove(subscription: Subscription): void;
  /**
   * Deliver a bus publish: at once when it reaches few sockets and nothing waits, else queued for
   * the end of this event-loop turn.
   */
  dispatch(messages: readonly Message[]): void;
  presence(channel: string): { clients: number; users: string[] };
  /** Channels with at least one subscription here. */
  channels(): IterableIterator<string>;
  /** Bring every subscription of `channel` up to `head` (see `Subscription.catchUp`). */
  catchUp(channel: string, head: number): void;
  readonly size: number;
}

const encoder = new Encoder();

/**
 * Up to this many frames, a dispatch is written in the same turn (~1 µs each); above, it waits for
 * the end of the turn, so the publishes of one turn share frames and the HTTP answers are not
 * held behind a large fan-out.
 */
const SYNC_FRAMES = 128;

/**
 * The packet of `messages`, as `socket.emit` would encode it on the default namespace (and, for
 * sockets that asked for named events, theirs when one first needs them).
 */
function encodeMessages(messages: Message[]): ChannelPacket {
  const data = messages.length === 1 ? ['message', messages[0]] : ['messages', messages];
  return new ChannelPacket(encoder.encode({ type: PacketType.EVENT, nsp: '/', data }), messages);
}

/**
 * A channel's subscriptions: the one subscription itself while there is one (each user's inbox
 * channel usually has one socket, and a Set costs ~0.2 KiB), a Set from the second on.
 */
type Subscribers = Subscription | Set<Subscription>;

const countOf = (subs: Subscribers | undefined) => (subs === undefined ? 0 : subs instanceof Set ? subs.size : 1);
const listOf = (subs: Subscribers | undefined): Iterable<Subscription> => (subs === undefined ? [] : subs instanceof Set ? subs : [subs]);

export function createRegistry(onDelivered: (count: number) => void = () => {}): Registry {
  const byChannel = new Map<string, Subscribers>();
  let size = 0;
  let queue: Message[] = [];
  let scheduled = false;

  const deliver = (messages: readonly Message[]) => {
    const perChannel = new Map<string, Message[]>();
    for (const m of messages) {
      if (!byChannel.has(m.channel)) continue;
      const list = perChannel.get(m.channel);
      if (list) list.push(m);
      else perChannel.set(m.channel, [m]);
    }
    let delivered = 0;
    for (const [channel, unordered] of perChannel) {
      const subs = byChannel.get(channel);
      if (!subs) continue;
      // One node's publishes are in seq order; several nodes' may interleave, or repeat.
      const list = ordered(unordered);
      const packet = encodeMessages(list);
      if (subs instanceof Set) for (const s of subs) delivered += s.deliver(list, packet);
      else delivered += subs.deliver(list, packet);
    }
    if (delivered > 0) onDelivered(delivered);
  };

  const flush = () => {
    scheduled = false;
    const messages = queue;
    queue = [];
    deliver(messages);
  };

  /** Frames that delivering `messages` now would write (an upper bound). */
  const framesFor = (messages: readonly Message[]) => {
    let frames = 0;
    let previous: string | undefined;
    for (const m of messages) {
      if (m.channel !== previous) frames += countOf(byChannel.get(m.channel));
      previous = m.channel;
    }
    return frames;
  };

  return {
    add(s) {
      const subs = byChannel.get(s.channel);
      if (subs === undefined) byChannel.set(s.channel, s);
      else if (subs instanceof Set) {
        if (subs.has(s)) return;
        subs.add(s);
      } else {
        if (subs === s) return;
        byChannel.set(s.channel, new Set([subs, s]));
      }
      size++;
    },
    remove(s) {
      const subs = byChannel.get(s.channel);
      if (subs === s) byChannel.delete(s.channel);
      else if (subs instanceof Set && subs.delete(s)) {
        // Back to the one subscription itself: a Set is kept only for two or more.
        if (subs.size === 1) byChannel.set(s.channel, subs.values().next().value!);
      } else return;
      size--;
    },
    dispatch(messages) {
      // A publish reaching few sockets goes out at once, ahead of the publish's own HTTP answer
      // (which is what latency counts); nothing is queued before it, so the order holds.
      if (!scheduled && framesFor(messages) <= SYNC_FRAMES) {
        deliver(messages);
        return;
      }
      for (const m of messages) queue.push(m);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    presence(channel) {
      const subs = byChannel.get(channel);
      const users = new Set<string>();
      for (const s of listOf(subs)) if (s.sub !== undefined) users.add(s.sub);
      return { clients: countOf(subs), users: [...users].sort() };
    },
    channels: () => byChannel.keys(),
    catchUp(channel, head) {
      for (const s of listOf(byChannel.get(channel))) s.catchUp?.(head);
    },
    get size() {
      return size;
    },
  };
}
