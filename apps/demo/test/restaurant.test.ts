/**
 * Scenarios 1 and 2 through the demo's API, read back from a real Herald: what each order
 * announces, and loads whose `{ data, seq }` match the channel exactly, even mid-burst.
 */
import { describe, expect, it } from 'vitest';
import { byId, call, drained, history, ok, startDemo, startHerald, upsert, type WireMessage } from './helpers.js';

interface Order {
  id: string;
  number: number;
  table: number;
  status: string;
  sessionId?: string;
}
interface Dashboard {
  orders: Order[];
  reservations: { id: string }[];
}
interface Load<T> {
  data: T;
  seq: number;
}

/** The front end's reducers: upserts of the full record each message carries. */
function reduceDashboard(data: Dashboard, m: WireMessage): Dashboard {
  if (m.event === 'reservation:created') return { ...data, reservations: upsert(data.reservations, m.data.reservation) };
  return { ...data, orders: upsert(data.orders, m.data.order) };
}
function reduceKitchen(data: { orders: Order[] }, m: WireMessage): { orders: Order[] } {
  return { orders: upsert(data.orders, m.data.order).filter((o) => o.status !== 'served') };
}

/** The seed with every message up to `seq` applied, in seq order. */
function replay<T>(seed: T, messages: WireMessage[], seq: number, reduce: (d: T, m: WireMessage) => T): T {
  return messages.filter((m) => m.seq <= seq).reduce(reduce, seed);
}

const items = [{ name: 'Margherita', qty: 2 }, { name: 'Tiramisù', qty: 1 }];

describe('restaurant scenario', () => {
  it('an order is announced on the dashboard, kitchen and session channels, and notifies the admins once', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const { sessionId } = await ok(demo.url, 'POST', '/api/tables/7/5/session', undefined, 201);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{12}$/);

    const { order } = await ok(demo.url, 'POST', `/api/sessions/${sessionId}/orders`, { items }, 201);
    expect(order).toMatchObject({ restaurantId: 7, table: 5, items, status: 'pending', sessionId });
    await drained(demo);

    for (const channel of ['restaurant:7:dashboard', 'restaurant:7:kitchen', `session:${sessionId}`]) {
      const { messages } = await history(herald, channel);
      expect(messages.map((m) => [m.seq, m.event, m.data])).toEqual([[1, 'order:created', { order }]]);
    }
    const admins = (await history(herald, 'restaurant:7:admins')).messages;
    expect(admins).toHaveLength(1);
    expect(admins[0]!.event).toBe('notification:new');
    expect(admins[0]!.data).toMatchObject({
      type: 'order_created',
      title: `New order #${order.number} · table 5`,
      body: '2× Margherita, 1× Tiramisù',
      actionUrl: `/restaurant/7/admin#order-${order.id}`,
      priority: 'normal',
    });
    // Restaurants are isolated: nothing reached restaurant 8.
    expect((await history(herald, 'restaurant:8:kitchen')).head).toBe(0);

    // Staff move it forward; the guest's session sees each step, and the load matches.
    for (const status of ['cooking', 'ready', 'served']) {
      const res = await ok(demo.url, 'POST', `/api/restaurants/7/orders/${order.id}/status`, { status });
      expect(res.order).toMatchObject({ id: order.id, status });
    }
    const back = await call(demo.url, 'POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'cooking' });
    expect(back.status).toBe(409);
    expect(back.body.error.code).toBe('INVALID_TRANSITION');
    await drained(demo);
    const session = await history(herald, `session:${sessionId}`);
    expect(session.messages.map((m) => `${m.event}:${m.data.order.status}`)).toEqual([
      'order:created:pending',
      'order:status:cooking',
      'order:status:ready',
      'order:status:served',
    ]);
    const load = await ok<Load<{ orders: Order[] }>>(demo.url, 'GET', `/api/sessions/${sessionId}`);
    expect(load.seq).toBe(session.head);
    expect(load.data.orders).toEqual([session.messages[3]!.data.order]);
  });

  it('a reservation is announced on the dashboard and notifies the admins; a first load announces nothing', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const first = await ok<Load<Dashboard>>(demo.url, 'GET', '/api/restaurants/7/dashboard');
    expect(first.seq).toBe(0);
    expect(first.data.orders.length).toBeGreaterThan(0);
    expect(first.data.reservations.length).toBeGreaterThan(0);
    const { reservation } = await ok(demo.url, 'POST', '/api/restaurants/7/reservations', { name: 'Dupont', partySize: 3, time: '2030-05-01T20:00' }, 201);
    await drained(demo);
    expect((await history(herald, 'restaurant:7:dashboard')).messages.map((m) => [m.event, m.data])).toEqual([['reservation:created', { reservation }]]);
    expect((await history(herald, 'restaurant:7:kitchen')).head).toBe(0);
    const admins = (await history(herald, 'restaurant:7:admins')).messages;
    expect(admins.map((m) => m.data.type)).toEqual(['reservation_created']);
  });

  it('every load during a burst of concurrent orders answers data and seq that match the channel exactly', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const seedDashboard = await ok<Load<Dashboard>>(demo.url, 'GET', '/api/restaurants/7/dashboard');
    const seedKitchen = await ok<Load<{ orders: Order[] }>>(demo.url, 'GET', '/api/restaurants/7/kitchen');
    expect([seedDashboard.seq, seedKitchen.seq]).toEqual([0, 0]);
    const seeded = seedDashboard.data.orders.filter((o) => o.status !== 'served');

    // Four writers place orders and reservations while the seeded open orders move to served;
    // meanwhile a reader loads both views back to back, so loads fall all through the burst.
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        await ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: ((w + i) % 8) + 1, items: [{ name: 'Espresso', qty: 1 + (i % 3) }] }, 201);
        if (i % 5 === w) await ok(demo.url, 'POST', '/api/restaurants/7/reservations', { name: `Party ${w}-${i}`, partySize: 2, time: '2030-01-01T19:00' }, 201);
      }
    };
    const mover = async (o: Order) => {
      for (const status of ['cooking', 'ready', 'served'].slice(['pending', 'cooking', 'ready'].indexOf(o.status))) {
        await ok(demo.url, 'POST', `/api/restaurants/7/orders/${o.id}/status`, { status });
      }
    };
    let writing = true;
    const writes = Promise.all([...[0, 1, 2, 3].map(writer), ...seeded.map(mover)]).finally(() => (writing = false));
    const loads = { dashboard: [] as Load<Dashboard>[], kitchen: [] as Load<{ orders: Order[] }>[] };
    while (writing) {
      loads.dashboard.push(await ok(demo.url, 'GET', '/api/restaurants/7/dashboard'));
      loads.kitchen.push(await ok(demo.url, 'GET', '/api/restaurants/7/kitchen'));
    }
    await writes;
    await drained(demo);

    const dash = await history(herald, 'restaurant:7:dashboard');
    const kitchen = await history(herald, 'restaurant:7:kitchen');
    expect(dash.messages.map((m) => m.seq)).toEqual(Array.from({ length: dash.head }, (_, i) => i + 1));
    expect(dash.head).toBeGreaterThanOrEqual(66);
    for (const load of loads.dashboard) {
      const expected = replay(seedDashboard.data, dash.messages, load.seq, reduceDashboard);
      expect({ seq: load.seq, orders: byId(load.data.orders), reservations: byId(load.data.reservations) }).toEqual({
        seq: load.seq,
        orders: byId(expected.orders),
        reservations: byId(expected.reservations),
      });
    }
    for (const load of loads.kitchen) {
      const expected = replay(seedKitchen.data, kitchen.messages, load.seq, reduceKitchen);
      expect({ seq: load.seq, orders: byId(load.data.orders) }).toEqual({ seq: load.seq, orders: byId(expected.orders) });
    }
    // The loads really were spread through the burst, not all before or after it.
    const seqs = loads.dashboard.map((l) => l.seq);
    expect(seqs.some((s) => s > 0 && s < dash.head)).toBe(true);

    // Once everything is sent, a load's seq is the channel's head.
    expect((await ok<Load<Dashboard>>(demo.url, 'GET', '/api/restaurants/7/dashboard')).seq).toBe(dash.head);
    expect((await ok<Load<{ orders: Order[] }>>(demo.url, 'GET', '/api/restaurants/7/kitchen')).seq).toBe(kitchen.head);
  });
});
