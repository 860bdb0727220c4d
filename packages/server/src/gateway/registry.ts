/**
 * This node's subscriptions: which local sockets listen to which channel, and delivery to them.
 *
 * Delivery is coalesced per event-loop turn: everything the bus hands over in one turn is grouped
 * per channel, encoded once as one Socket.IO packet (`message` for one, `messages` for several),
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
  /** Queue a bus publish for delivery at the end of this event-loop turn. */
  dispatch(messages: readonly Message[]): void;
  presence(channel: string): { clients: number; users: string[] };
  readonly size: number;
}

const encoder = new Encoder();

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

  const flush = () => {
    scheduled = false;
    const messages = queue;
    queue = [];
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
