/**
 * Reads the messages a node's live stream skipped, from the store. On several nodes the bus may
 * hand over a channel's messages out of order, twice, or not at all; a subscription that sees a
 * seq ahead of the one it expects asks here for what lies between before delivering more.
 *
 * Many subscriptions of one channel usually miss the same messages at the same moment (one lost
 * bus packet, one resync): a read in flight that covers a request answers it too, so a gap costs
 * one store read per channel, not one per socket.
 */
import { MAX_REPLAY, type Message } from '@herald/protocol';
import type { Store } from '../store/index.js';

export interface GapFiller {
  /**
   * The stored messages of `channel` with `after < seq <= upTo`, ascending. Fewer when retention
   * removed some: whatever is missing from the answer is gone for good.
   */
  fill(channel: string, after: number, upTo: number): Promise<Message[]>;
}

interface Read {
  after: number;
  upTo: number;
  messages: Promise<Message[]>;
}

export function createGapFiller(store: Store, onFilled: (messages: number) => void = () => {}): GapFiller {
  const inFlight = new Map<string, Read[]>();

  const read = async (channel: string, after: number, upTo: number): Promise<Message[]> => {
    const out: Message[] = [];
    let at = after;
    while (at < upTo) {
      const page = await store.read(channel, at, Math.min(MAX_REPLAY, upTo - at));
      if (page.length === 0) break;
      for (const m of page) if (m.seq <= upTo) out.push(m);
      at = page[page.length - 1]!.seq;
    }
    onFilled(out.length);
    return out;
  };

  return {
    fill(channel, after, upTo) {
      const reads = inFlight.get(channel);
      const covering = reads?.find((r) => r.after <= after && r.upTo >= upTo);
      if (covering) return covering.messages.then((ms) => ms.filter((m) => m.seq > after && m.seq <= upTo));
      const r: Read = { after, upTo, messages: read(channel, after, upTo) };
      if (reads) reads.push(r);
      else inFlight.set(channel, [r]);
      const done = () => {
        const list = inFlight.get(channel);
        if (!list) return;
        list.splice(list.indexOf(r), 1);
        if (list.length === 0) inFlight.delete(channel);
      };
      r.messages.then(done, done);
      return r.messages;
    },
  };
}
