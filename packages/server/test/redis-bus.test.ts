/**
 * The Redis bus between nodes (`src/bus/redis-bus.ts`), on the machine's real Redis with a prefix
 * of its own: messages reach the other nodes and not their sender's echo, the node list follows
 * heartbeats and goodbyes, questions get every node's answer, and every way a node can miss
 * messages (its subscription cut, a node going silent) is reported through `onMissed`; packet
 * numbering and heartbeats are proven in membership.test.ts.
 */
import type { Message } from '@herald/protocol';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createRedisBus } from '../src/bus/redis-bus.js';
import type { Bus, NodeStatus } from '../src/bus/index.js';
import { freshPrefix, killSubscriber, REDIS_URL } from './redis-admin.js';

const quiet = { info() {}, warn() {}, error() {} };

const msg = (channel: string, seq: number): Message => ({ id: `${channel}-${seq}`, channel, seq, event: 'e', data: { seq }, ts: 0 });

interface TestNode {
  bus: Bus;
  received: Message[];
  missed: string[];
  publishFailures: number;
}

async function node(prefix: string, id: string, status: Partial<NodeStatus> = {}, heartbeatMs = 100): Promise<TestNode> {
  const n: TestNode = { bus: undefined as unknown as Bus, received: [], missed: [], publishFailures: 0 };
  n.bus = await createRedisBus({
    url: REDIS_URL,
    prefix,
    nodeId: id,
    status: () => ({ connections: 0, subscriptions: 0, published: 0, delivered: 0, ...status }),
    log: quiet,
    onPublishFailed: () => n.publishFailures++,
    heartbeatMs,
  });
  n.bus.subscribe((ms) => n.received.push(...ms));
  n.bus.onMissed((reason) => n.missed.push(reason));
  onTestFinished(() => n.bus.close());
  return n;
}


async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Redis bus', () => {
  it('hands a node its own messages at once and the other nodes theirs, never the echo', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    a.bus.publish([msg('c', 1), msg('c', 2)]);
    expect(a.received.map((m) => m.seq)).toEqual([1, 2]);
    await until('b to receive', () => b.received.length === 2);
    expect(b.received).toEqual([msg('c', 1), msg('c', 2)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.received).toHaveLength(2);
    expect([a.missed, b.missed]).toEqual([[], []]);
  });

  it('cuts a large publish into packets of about 1 MB that arrive whole and in order', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    const sizes: number[] = [];
    const listener = new Redis(REDIS_URL);
    onTestFinished(() => listener.disconnect());
    await listener.subscribe(`${prefix}bus`);
    listener.on('message', (_channel: string, raw: string) => raw.startsWith('{"k":"m"') && sizes.push(raw.length));
    // 1,000 messages of ~10 KB: ~10 MB, in about ten packets.
    const big = Array.from({ length: 1000 }, (_, i) => ({ ...msg('c', i + 1), data: { pad: 'x'.repeat(10_000) } }));
    a.bus.publish(big);
    await until('b to receive all', () => b.received.length === 1000, 10_000);
    expect(b.received.map((m) => m.seq)).toEqual(big.map((m) => m.seq));
    expect(b.received[999]).toEqual(big[999]);
    expect([a.missed, b.missed]).toEqual([[], []]);
    await until('the listener to count the packets', () => sizes.reduce((x, y) => x + y, 0) > 10_000_000);
    expect(sizes.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...sizes)).toBeLessThan(1.1 * 1024 * 1024);
  });

  it('lists the live nodes with their status, and drops one that says goodbye', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a', { connections: 3 });
    const b = await node(prefix, 'b', { connections: 5, subscriptions: 7 });
    await until('a to hear b', () => a.bus.nodes().length === 2);
    expect(a.bus.nodes()).toEqual([
      { id: 'a', self: true, connections: 3, subscriptions: 0, published: 0, delivered: 0 },
      { id: 'b', self: false, connections: 5, subscriptions: 7, published: 0, delivered: 0 },
    ]);
    await b.bus.close();
    await until('a to drop b', () => a.bus.nodes().length === 1);
    expect(a.missed).toEqual([]);
  });

  it('gathers every other node’s answer to a question', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    const c = await node(prefix, 'c');
    b.bus.answer('echo', (q) => ({ from: 'b', q }));
    c.bus.answer('echo', (q) => ({ from: 'c', q }));
    await until('a to hear both', () => a.bus.nodes().length === 3);
    const answers = await a.bus.ask('echo', { x: 1 }, 2000);
    expect(answers).toHaveLength(2);
    expect(answers).toEqual(expect.arrayContaining([{ from: 'b', q: { x: 1 } }, { from: 'c', q: { x: 1 } }]));
  });

  it('reports a miss when its own subscription to Redis was cut, once it is back', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    await killSubscriber('b');
    await until('b to report the reconnection', () => b.missed.length > 0);
    expect(b.missed[0]).toMatch(/reconnected/);
    a.bus.publish([msg('c', 1)]);
    await until('b to receive again', () => b.received.length === 1);
  });

  it('reports a miss when a node goes silent without a goodbye', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix, 'a');
    // b's heartbeats every 10 s: to a, which expects one every 100 ms, it goes silent at once.
    const b = await node(prefix, 'b', {}, 10_000);
    await until('a to hear b', () => a.bus.nodes().length === 2);
    await until('a to give up on b', () => a.missed.length > 0, 5000);
    expect(a.missed[0]).toMatch(/node b went silent/);
    expect(a.bus.nodes().map((n) => n.id)).toEqual(['a']);
    expect(b.missed).toEqual([]);
  });
});
