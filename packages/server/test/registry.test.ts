/**
 * The registry's delivery timing (`src/gateway/registry.ts`): a publish reaching few sockets is
 * written at once, a large fan-out waits for the end of the turn and shares one packet per
 * channel, and a channel's messages never overtake each other whichever way they go.
 */
import type { Message } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { createRegistry, type Subscription } from '../src/gateway/registry.js';
import type { OutgoingPacket } from '../src/gateway/outgoing.js';

const msg = (channel: string, seq: number): Message => ({ id: `${channel}-${seq}`, channel, seq, event: 'e', data: null, ts: 0 });

/** A subscription that records what it is handed. */
function recorder(channel: string, log: { channel: string; seqs: number[]; packet: OutgoingPacket }[]): Subscription {
  return {
    channel,
    sub: undefined,
    deliver(messages, packet) {
      log.push({ channel, seqs: messages.map((m) => m.seq), packet });
      return messages.length;
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('registry delivery timing', () => {
  it('writes a publish to a few sockets at once, and a large fan-out at the end of the turn, batched', async () => {
    const log: { channel: string; seqs: number[]; packet: OutgoingPacket }[] = [];
    const registry = createRegistry();
    registry.add(recorder('small', log));
    for (let i = 0; i < 500; i++) registry.add(recorder('large', log));

    registry.dispatch([msg('small', 1)]);
    expect(log).toEqual([expect.objectContaining({ channel: 'small', seqs: [1] })]);

    log.length = 0;
    registry.dispatch([msg('large', 1)]);
    registry.dispatch([msg('large', 2), msg('large', 3)]);
    expect(log).toHaveLength(0);
    await nextTurn();
    expect(log).toHaveLength(500);
    expect(log.every((e) => e.seqs.join() === '1,2,3')).toBe(true);
    // One packet, encoded once, shared by every socket of the channel.
    expect(new Set(log.map((e) => e.packet)).size).toBe(1);
  });

  it('queues everything behind a queued publish, so a channel never overtakes itself', async () => {
    const log: { channel: string; seqs: number[]; packet: OutgoingPacket }[] = [];
    const registry = createRegistry();
    const many = Array.from({ length: 200 }, () => recorder('shrinking', log));
    for (const s of many) registry.add(s);
    registry.dispatch([msg('shrinking', 1)]); // large: waits for the end of the turn
    for (const s of many.slice(1)) registry.remove(s); // now one socket: would be "small"
    registry.dispatch([msg('shrinking', 2)]);
    registry.dispatch([msg('other', 1)]);
    expect(log).toHaveLength(0);
    await nextTurn();
    expect(log.map((e) => e.seqs)).toEqual([[1, 2]]);
    // Once the queue is empty, small publishes go out at once again.
    registry.dispatch([msg('shrinking', 3)]);
    expect(log.map((e) => e.seqs)).toEqual([[1, 2], [3]]);
  });

  it('counts, lists and delivers to the subscriptions of a channel as they go from one to several and back', () => {
    const log: { channel: string; seqs: number[]; packet: OutgoingPacket }[] = [];
    const registry = createRegistry();
    const user = (sub: string) => ({ ...recorder('user:x', log), sub });
    const a = user('alice');
    const b = user('bob');
    registry.add(a);
    registry.add(a); // twice: still one
    expect(registry.size).toBe(1);
    expect(registry.presence('user:x')).toEqual({ clients: 1, users: ['alice'] });
    registry.dispatch([msg('user:x', 1)]);
    expect(log).toHaveLength(1);

    registry.add(b);
    registry.add(b);
    expect(registry.size).toBe(2);
    expect(registry.presence('user:x')).toEqual({ clients: 2, users: ['alice', 'bob'] });
    registry.dispatch([msg('user:x', 2)]);
    expect(log).toHaveLength(3);

    registry.remove(a);
    registry.remove(a);
    expect(registry.size).toBe(1);
    expect(registry.presence('user:x')).toEqual({ clients: 1, users: ['bob'] });
    registry.dispatch([msg('user:x', 3)]);
    expect(log.slice(3)).toHaveLength(1);

    registry.remove(a); // not subscribed: nothing changes
    registry.remove(b);
    expect(registry.size).toBe(0);
    expect(registry.presence('user:x')).toEqual({ clients: 0, users: [] });
    registry.dispatch([msg('user:x', 4)]);
    expect(log).toHaveLength(4);
    registry.add(a);
    expect(registry.presence('user:x')).toEqual({ clients: 1, users: ['alice'] });
  });
});
