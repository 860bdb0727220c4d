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
import { OutgoingPacket } from './outgoing.js';

/** One socket's subscription to one channel. */
export interface Subscription {
  readonly channel: string;
  readonly sub: string | undefined;
  /**
   * Messages of this channel, ascending by seq, with their shared encoding; returns how many were
   * sent to the socket.
   */
  deliver(messages: Message[], packet: OutgoingPacket): number;
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
  readonly size: number;
}

const encoder = new Encoder();

/**
 * Up to this many frames, a dispatch is written in the same turn (~1 µs each); above, it waits for
 * the end of the turn, so the publishes of one turn share frames and the HTTP answers are not
 * held behind a large fan-out.
 */
const SYNC_FRAMES = 128;

/** The packet of `messages`, as `socket.emit` would encode it on the default namespace. */
function encodeMessages(messages: Message[]): OutgoingPacket {
  const data = messages.length === 1 ? ['message', messages[0]] : ['messages', messages];
  return new OutgoingPacket(encoder.encode({ type: PacketType.EVENT, nsp: '/', data }));
}

export function createRegistry(onDelivered: (count: number) => void = () => {}): Registry {
  const byChannel = new Map<string, Set<Subscription>>();
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
    for (const [channel, list] of perChannel) {
      const set = byChannel.get(channel);
      if (!set) continue;
      const packet = encodeMessages(list);
      for (const s of set) delivered += s.deliver(list, packet);
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
      if (m.channel !== previous) frames += byChannel.get(m.channel)?.size ?? 0;
      previous = m.channel;
    }
    return frames;
  };

  return {
    add(s) {
      let set = byChannel.get(s.channel);
      if (!set) byChannel.set(s.channel, (set = new Set()));
      if (!set.has(s)) {
        set.add(s);
        size++;
      }
    },
    remove(s) {
      const set = byChannel.get(s.channel);
      if (set?.delete(s)) {
        size--;
        if (set.size === 0) byChannel.delete(s.channel);
      }
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
      const set = byChannel.get(channel);
      const users = new Set<string>();
      for (const s of set ?? []) if (s.sub !== undefined) users.add(s.sub);
      return { clients: set?.size ?? 0, users: [...users].sort() };
    },
    get size() {
      return size;
    },
  };
}
