/**
 * The contract the front end relies on, end to end: the client SDK's `herald.live()` over the
 * demo's load (`{ data, seq }`) and Herald's channel, started in the middle of a burst of
 * orders, ends equal to the back end's data with each message applied once, in order.
 */
import { createHerald } from '@herald/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { byId, drained, history, ok, startDemo, startHerald, upsert, waitUntil } from './helpers.js';

interface Order {
  id: string;
  status: string;
}
type Kitchen = { orders: Order[] };

describe('live view through the client SDK', () => {
  it('a kitchen display loaded mid-burst ends exactly equal to the back end, every message applied once', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const client = createHerald({
      url: herald.url,
      getToken: async () => (await ok(demo.url, 'POST', '/api/token', { persona: 'kitchen', restaurantId: 7, screen: 'pass' })).token,
      inbox: false,
      transports: ['websocket'],
    });
    onTestFinished(() => client.close());

    const place = (i: number) => ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: (i % 8) + 1, items: [{ name: 'Margherita', qty: 1 }] }, 201);
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => place(i)));

    const applied: number[] = [];
    let loadedAt = -1;
    const live = client.live<Kitchen>('restaurant:7:kitchen', {
      load: async () => {
        const load = await ok<{ data: Kitchen; seq: number }>(demo.url, 'GET', '/api/restaurants/7/kitchen');
        loadedAt = load.seq;
        return load;
      },
      reduce: (data, m) => ({ orders: upsert(data.orders, (m.data as unknown as { order: Order }).order).filter((o) => o.status !== 'served') }),
      onMessage: (m) => void applied.push(m.seq),
    });
    onTestFinished(() => live.close());

    // More orders, and the first ones cooked and served, while the view starts.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => place(10 + i)),
      ...first.map(async ({ order }, i) => {
        await ok(demo.url, 'POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'cooking' });
        if (i % 2 === 0) {
          await ok(demo.url, 'POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'ready' });
          await ok(demo.url, 'POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'served' });
        }
      }),
    ]);
    await drained(demo);
    const { head } = await history(herald, 'restaurant:7:kitchen');
    await waitUntil(() => live.getSnapshot().seq === head, 5000, 'the live view to reach the head');

    const final = await ok<{ data: Kitchen; seq: number }>(demo.url, 'GET', '/api/restaurants/7/kitchen');
    expect(final.seq).toBe(head);
    expect(byId(live.getSnapshot().data!.orders)).toEqual(byId(final.data.orders));
    // Exactly the messages after the load, each once, in order.
    expect(loadedAt).toBeGreaterThanOrEqual(0);
    expect(applied).toEqual(Array.from({ length: head - loadedAt }, (_, i) => loadedAt + 1 + i));
  });
});
