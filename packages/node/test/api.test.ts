/**
 * Every method of `@herald/node` against a real Herald on port 0: what it sends is what the
 * server stores, and what it answers is the server's answer.
 */
import { describe, expect, it } from 'vitest';
import { connect, fullHistory, request, startHerald } from '../../server/test/helpers.js';
import { createHerald } from '../src/index.js';
import { startFaultProxy } from './fault-proxy.js';

type Events = {
  'order:created': { id: number; total: number };
  'order:updated': { id: number; status: 'pending' | 'cooking' | 'ready' };
  ping: undefined;
};

describe('@herald/node against a real server', () => {
  it('publishes to one channel and to several, each stored once with its seq', async () => {
    const h = await startHerald();
    const herald = createHerald<Events>({ url: h.url, apiKey: h.apiKey });

    const one = await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: 1, total: 12.5 } });
    expect(one.messages).toEqual([{ channel: 'restaurant:7', seq: 1, id: expect.any(String) }]);

    const two = await herald.publish({ channels: ['restaurant:7', 'role:admin'], event: 'order:updated', data: { id: 1, status: 'cooking' } });
    expect(two.messages.map((m) => [m.channel, m.seq])).toEqual([
      ['restaurant:7', 2],
      ['role:admin', 1],
    ]);

    // An event whose data type allows undefined may leave `data` out: stored as null.
    await herald.publish({ channel: 'restaurant:7', event: 'ping' });

    const { messages } = await fullHistory(h, 'restaurant:7');
    expect(messages.map((m) => [m.seq, m.event, m.data])).toEqual([
      [1, 'order:created', { id: 1, total: 12.5 }],
      [2, 'order:updated', { id: 1, status: 'cooking' }],
      [3, 'ping', null],
    ]);
    expect(messages[0]!.id).toBe(one.messages[0]!.id);
  });

  it('publishBatch splits 2,500 items into 3 requests of at most 1000, results in input order, seqs in item order', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const herald = createHerald<Events>({ url: proxy.url, apiKey: h.apiKey });

    const items = Array.from({ length: 2500 }, (_, i) => ({
      // Two channels interleaved, so the order check covers both.
      channel: i % 2 === 0 ? 'batch:even' : 'batch:odd',
      event: 'order:created' as const,
      data: { id: i, total: i },
    }));
    const { results } = await herald.publishBatch(items);

    expect(proxy.seen['/v1/publish/batch']).toBe(3);
    const sizes = proxy.bodies['/v1/publish/batch']!.map((b) => (JSON.parse(b) as { items: unknown[] }).items.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(results).toHaveLength(2500);
    results.forEach((r, i) => {
      expect(r.messages?.[0]?.channel).toBe(i % 2 === 0 ? 'batch:even' : 'batch:odd');
      expect(r.messages?.[0]?.seq).toBe(Math.floor(i / 2) + 1);
    });
    const even = await fullHistory(h, 'batch:even');
    expect(even.messages.map((m) => (m.data as { id: number }).id)).toEqual(items.filter((_, i) => i % 2 === 0).map((it) => it.data.id));
    expect(even.messages.map((m) => m.id)).toEqual(results.filter((_, i) => i % 2 === 0).map((r) => r.messages![0]!.id));
  });

  it('publishBatch answers each item on its own: a refused item does not stop the others', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    const { results } = await herald.publishBatch([
      { channel: 'mixed', event: 'a', data: 1 },
      { channel: 'mixed', event: 'notification:new', data: 2 },
      { channel: 'mixed', event: 'b', data: 3 },
    ]);
    expect(results[0]!.messages?.[0]?.seq).toBe(1);
    expect(results[1]!.error?.code).toBe('VALIDATION_FAILED');
    expect(results[2]!.messages?.[0]?.seq).toBe(2);
    expect(await herald.publishBatch([])).toEqual({ results: [] });
  });

  it('publishBatch also splits by bytes (maxBatchBytes), keeping the order', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, maxBatchBytes: 20_000 });
    const items = Array.from({ length: 10 }, (_, i) => ({ channel: 'big', event: 'blob', data: { i, text: 'é'.repeat(3000) } }));
    const { results } = await herald.publishBatch(items);
    expect(proxy.seen['/v1/publish/batch']).toBeGreaterThan(1);
    for (const body of proxy.bodies['/v1/publish/batch']!) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20_000);
    expect(results.map((r) => r.messages?.[0]?.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('notify stores a notification in the inbox of the addressed users', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    const expiresAt = new Date(Date.now() + 3600_000);
    const { notifications } = await herald.notify({
      to: ['user:alice', 'user:bob'],
      type: 'order_ready',
      title: 'Order 42 is ready',
      body: 'Table 5',
      data: { orderId: 42 },
      actionUrl: '/orders/42',
      priority: 'high',
      expiresAt,
    });
    expect(notifications.map((n) => n.channel)).toEqual(['user:alice', 'user:bob']);

    for (const sub of ['alice', 'bob']) {
      const { token } = await herald.mintToken({ sub });
      const inbox = await request(h, 'GET', '/v1/inbox', undefined, { auth: token });
      expect(inbox.status).toBe(200);
      expect(inbox.body.unread).toBe(1);
    }
    const { token } = await herald.mintToken({ sub: 'alice' });
    const [mine] = (await request(h, 'GET', '/v1/inbox', undefined, { auth: token })).body.items;
    expect(mine).toMatchObject({ type: 'order_ready', title: 'Order 42 is ready', body: 'Table 5', data: { orderId: 42 }, priority: 'high', actionUrl: '/orders/42' });
    expect(Date.parse(mine.expiresAt)).toBe(expiresAt.getTime());
  });

  it('mintToken answers a client token that the server accepts, with its claims and expiry', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    const before = Date.now();
    const { token, expiresAt } = await herald.mintToken({ sub: 'bob', roles: ['staff'], channels: ['restaurant:*'], ttlSeconds: 600 });
    expect(expiresAt).toBeGreaterThanOrEqual(before + 599_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 601_000);
    // Entitled to restaurant:7 through the grant, not to another user's channel.
    expect((await request(h, 'GET', '/v1/channels/restaurant:7/history', undefined, { auth: token })).status).toBe(200);
    expect((await request(h, 'GET', '/v1/channels/user:carol/history', undefined, { auth: token })).body.error.code).toBe('CHANNEL_FORBIDDEN');
  });

  it('history reads after a cursor, the latest page, and the head', async () => {
    const h = await startHerald();
    const herald = createHerald<Events>({ url: h.url, apiKey: h.apiKey });
    await herald.publishBatch(Array.from({ length: 5 }, (_, i) => ({ channel: 'booking:99', event: 'order:created' as const, data: { id: i, total: 0 } })));

    const after2 = await herald.history('booking:99', { since: 2, limit: 2 });
    expect(after2.head).toBe(5);
    expect(after2.messages.map((m) => m.seq)).toEqual([3, 4]);
    const latest = await herald.history('booking:99', { limit: 2 });
    expect(latest.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect((await herald.history('booking:99')).messages).toHaveLength(5);
    expect(await herald.history('never:published')).toEqual({ messages: [], head: 0 });
  });

  it('presence lists who is subscribed, and stats counts the connection', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    expect(await herald.presence('user:dana')).toEqual({ clients: 0, users: [] });

    const { token } = await herald.mintToken({ sub: 'dana' });
    await connect(h, token);
    // The socket is subscribed to its own channel and to broadcast on connect.
    expect(await herald.presence('user:dana')).toEqual({ clients: 1, users: ['dana'] });
    expect(await herald.presence('broadcast')).toEqual({ clients: 1, users: ['dana'] });

    const stats = await herald.stats();
    expect(stats).toMatchObject({ connections: 1, nodes: 1 });
    expect(stats.subscriptions).toBeGreaterThanOrEqual(2);
    expect(stats.rates).toEqual({ publishedPerSecond: expect.any(Number), deliveredPerSecond: expect.any(Number), windowSeconds: expect.any(Number) });
  });

  it('keeps a path prefix of the base URL and sends its User-Agent', async () => {
    const h = await startHerald();
    const seen: { url: string; ua: string | null }[] = [];
    const herald = createHerald({
      url: `${h.url}/`,
      apiKey: h.apiKey,
      userAgent: 'my-backend/2.0',
      fetch: (input, init) => {
        seen.push({ url: String(input), ua: new Headers(init?.headers).get('user-agent') });
        return fetch(input, init);
      },
    });
    await herald.history('user:x');
    expect(seen).toEqual([{ url: `${h.url}/v1/channels/user%3Ax/history`, ua: 'my-backend/2.0' }]);
  });
});
