/**
 * Several nodes on one PostgreSQL database and one Redis (two in-process servers here; whole
 * processes behind nginx in cluster/*.test.ts): a socket receives every message of its channels
 * exactly once and in order whichever node stored it, publishes through several nodes at once
 * included; a node cut off from Redis catches up from the store; long-polls, presence and stats
 * cover every node.
 */
import { describe, expect, it } from 'vitest';
import {
  connect,
  publish,
  publishBatch,
  request,
  signToken,
  startHerald,
  waitUntil,
  type Client,
  type Herald,
} from './helpers.js';
import { testDatabase } from './pg-database.js';
import { startRedis } from './cluster/redis.js';
import { freshPrefix, killSubscriber, REDIS_URL } from './redis-admin.js';

/** Two nodes of one cluster: same database, Redis prefix, secret and API key. */
async function twoNodes(): Promise<[Herald, Herald]> {
  const shared = { HERALD_DATABASE_URL: await testDatabase(), HERALD_REDIS_URL: REDIS_URL, HERALD_REDIS_PREFIX: freshPrefix() };
  const a = await startHerald({ ...shared, HERALD_NODE_ID: 'node-a' });
  const b = await startHerald({ ...shared, HERALD_NODE_ID: 'node-b', HERALD_JWT_SECRET: a.secret, HERALD_API_KEYS: a.apiKey });
  // Each node has heard the other's heartbeat (sent at start, then once a second).
  for (const h of [a, b]) {
    await waitUntilAsync(async () => (await request(h, 'GET', '/v1/stats')).body.nodes === 2, 5000, 'both nodes to see each other');
  }
  return [a, b];
}

async function waitUntilAsync(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The seqs a client received on `channel`, in arrival order. */
const seqs = (c: Client, channel: string) => c.on(channel).map((m) => m.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function subscriber(h: Herald, channel: string): Promise<Client> {
  const c = await connect(h, await signToken(h, { sub: `u-${Math.random()}`, channels: [channel] }));
  const ack = await c.subscribe(channel);
  expect(ack.ok).toBe(true);
  return c;
}

describe('several nodes on PostgreSQL and Redis', () => {
  it('delivers what one node stores to the sockets of another, once and in order', async () => {
    const [a, b] = await twoNodes();
    const onB = await subscriber(b, 'orders:1');
    const onA = await subscriber(a, 'orders:1');
    for (let i = 0; i < 20; i++) await publish(a, { channel: 'orders:1', event: 'order:created', data: { i } });
    const results = await publishBatch(a, oneTo(80).map((i) => ({ channel: 'orders:1', event: 'order:created', data: { i } })));
    expect(results.every((r) => r.messages)).toBe(true);
    await waitUntil(() => onB.on('orders:1').length >= 100 && onA.on('orders:1').length >= 100, 5000, '100 messages on both');
    expect(seqs(onB, 'orders:1')).toEqual(oneTo(100));
    expect(seqs(onA, 'orders:1')).toEqual(oneTo(100));
    // A replay on the other node, from a cursor, reads the shared store.
    const late = await connect(b, await signToken(b, { sub: 'late', channels: ['orders:1'] }));
    const ack = await late.subscribe('orders:1', 90);
    expect(ack.messages.map((m: { seq: number }) => m.seq)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  });

  it('keeps one channel in order when both nodes publish to it at once', async () => {
    const [a, b] = await twoNodes();
    const clients = [await subscriber(a, 'room:x'), await subscriber(b, 'room:x'), await subscriber(b, 'room:x')];
    const PER_NODE = 150;
    // Eight publishers on each node at once: their seqs interleave across nodes, and the bus may
    // hand a node the other's messages ahead of or behind its own.
    const load = (h: Herald, node: string) =>
      Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = w; i < PER_NODE; i += 8) await publish(h, { channel: 'room:x', event: 'msg', data: { node, i } });
        }),
      );
    await Promise.all([load(a, 'a'), load(b, 'b')]);
    await waitUntil(() => clients.every((c) => c.on('room:x').length >= 2 * PER_NODE), 10_000, 'every message on every client');
    await new Promise((r) => setTimeout(r, 200));
    for (const c of clients) expect(seqs(c, 'room:x')).toEqual(oneTo(2 * PER_NODE));
  });

  it('catches a node cut off from Redis up from the store, the last message included', async () => {
    const [a, b] = await twoNodes();
    const onB = await subscriber(b, 'jobs:9');
    await publish(a, { channel: 'jobs:9', event: 'job', data: { n: 1 } });
    await waitUntil(() => onB.on('jobs:9').length === 1, 5000, 'the first message');
    // While b's subscription to Redis is down, a's messages never reach b through Redis.
    await killSubscriber('node-b');
    for (let n = 2; n <= 6; n++) await publish(a, { channel: 'jobs:9', event: 'job', data: { n } });
    await waitUntil(() => onB.on('jobs:9').length >= 6, 10_000, 'b to catch up after reconnecting');
    await new Promise((r) => setTimeout(r, 300));
    expect(seqs(onB, 'jobs:9')).toEqual(oneTo(6));
    const metrics = (await request(b, 'GET', '/metrics', undefined, { auth: null })).text;
    expect(metrics).toMatch(/herald_bus_resyncs_total [1-9]/);
  });

  it('wakes a long-poll on one node for a message stored through another', async () => {
    const [a, b] = await twoNodes();
    const token = await signToken(b, { sub: 'poller', channels: ['feed:1'] });
    const started = Date.now();
    const poll = request(b, 'GET', '/v1/sync?cursors=feed:1:0&wait=20', undefined, { auth: token });
    await new Promise((r) => setTimeout(r, 300));
    await publish(a, { channel: 'feed:1', event: 'item', data: { x: 1 } });
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers presence and stats for the whole cluster', async () => {
    const [a, b] = await twoNodes();
    const alice = await connect(a, await signToken(a, { sub: 'alice', channels: ['doc:1'] }));
    const bob = await connect(b, await signToken(b, { sub: 'bob', channels: ['doc:1'] }));
    await alice.subscribe('doc:1');
    await bob.subscribe('doc:1');
    for (const h of [a, b]) {
      const presence = await request(h, 'GET', '/v1/channels/doc%3A1/presence');
      expect(presence.body).toEqual({ clients: 2, users: ['alice', 'bob'] });
    }
    // Heartbeats carry each node's counts, once a second.
    for (const h of [a, b]) {
      await waitUntilAsync(async () => (await request(h, 'GET', '/v1/stats')).body.connections === 2, 5000, 'stats to count both sockets');
      const stats = (await request(h, 'GET', '/v1/stats')).body;
      expect(stats).toMatchObject({ nodes: 2, connections: 2 });
      expect(stats.subscriptions).toBeGreaterThanOrEqual(2);
    }
  });

  it('answers /readyz 503 with bus: false while its Redis is down, keeps serving its own sockets, and is ready again after', async () => {
    const redis = await startRedis();
    const h = await startHerald({ HERALD_DATABASE_URL: await testDatabase(), HERALD_REDIS_URL: redis.url, HERALD_NODE_ID: 'alone' });
    expect((await request(h, 'GET', '/readyz', undefined, { auth: null })).body).toEqual({ status: 'ready', store: true, bus: true });
    const c = await subscriber(h, 'solo:1');
    await redis.stop();
    const down = await request(h, 'GET', '/readyz', undefined, { auth: null });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { store: true, bus: false } });
    // Its own publishes still reach its own sockets.
    await publish(h, { channel: 'solo:1', event: 'e', data: {} });
    await waitUntil(() => c.on('solo:1').length === 1, 5000, 'the local delivery');
    await redis.restart();
    await waitUntilAsync(async () => (await request(h, 'GET', '/readyz', undefined, { auth: null })).status === 200, 10_000, 'ready again');
  });
});
