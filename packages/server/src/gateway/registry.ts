/**
 * This node's subscriptions: which local sockets listen to which channel. Delivery groups the
 * messages of one bus publish per subscription, so a burst reaches a socket as one `messages`
 * packet instead of many.
 */
import type { Message } from '@herald/protocol';

/** One socket's subscription to one channel. */
export interface Subscription {
  readonly channel: string;
  readonly sub: string | undefined;
  /** Called with messages of this channel, ascending by seq. */
  deliver(messages: Message[]): void;
}

export interface Registry {
  add(subscription: Subscription): void;
  remove(subscription: Subscription): void;
  /** Deliver a bus publish to every local subscription of each message's channel. */
  dispatch(messages: readonly Message[]): void;
  presence(channel: string): { clients: number; users: string[] };
  readonly size: number;
}

export function createRegistry(): Registry {
  const byChannel = new Map<string, Set<Subscription>>();
  let size = 0;
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
      if (messages.length === 1) {
        const m = messages[0]!;
        const set = byChannel.get(m.channel);
        if (set) for (const s of set) s.deliver([m]);
        return;
      }
      const perChannel = new Map<string, Message[]>();
      for (const m of messages) {
        const list = perChannel.get(m.channel);
        if (list) list.push(m);
        else perChannel.set(m.channel, [m]);
      }
      for (const [channel, list] of perChannel) {
        const set = byChannel.get(channel);
        if (set) for (const s of set) s.deliver(list);
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
