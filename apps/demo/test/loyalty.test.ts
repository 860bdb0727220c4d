/** Scenario 3 through the demo's API: what each loyalty event publishes, and exact loads. */
import { describe, expect, it } from 'vitest';
import { call, drained, history, ok, startDemo, startHerald } from './helpers.js';

describe('loyalty scenario', () => {
  it('points, redemptions, expiries and registrations reach the card, the restaurant feed and the admin feed', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const card0 = await ok(demo.url, 'GET', '/api/loyalty/cards/c-100');
    expect(card0.seq).toBe(0);
    expect(card0.data.card).toMatchObject({ id: 'c-100', guestId: 'lea', points: 115 });
    expect(card0.data.transactions.map((t: { kind: string }) => t.kind)).toEqual(['points_redeemed', 'points_added', 'points_added']);
    expect((await ok(demo.url, 'GET', '/api/loyalty/admin/feed')).data.length).toBeGreaterThan(0);

    const added = await ok(demo.url, 'POST', '/api/loyalty/cards/c-100/points', { restaurantId: 7, points: 40 });
    expect(added.card.points).toBe(155);
    expect(added.transaction).toMatchObject({ cardId: 'c-100', restaurantId: 7, kind: 'points_added', points: 40, balance: 155 });
    const tooMuch = await call(demo.url, 'POST', '/api/loyalty/cards/c-100/redeem', { restaurantId: 8, points: 1000 });
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([409, 'INVALID_TRANSITION']);
    const redeemed = await ok(demo.url, 'POST', '/api/loyalty/cards/c-100/redeem', { restaurantId: 8, points: 55 });
    const expired = await ok(demo.url, 'POST', '/api/loyalty/cards/c-100/expire', { points: 10 });
    expect(expired.card.points).toBe(90);
    const registered = await ok(demo.url, 'POST', '/api/loyalty/guests', { name: 'Zoé' }, 201);
    expect(registered.card).toMatchObject({ guestId: registered.guest.id, guestName: 'Zoé', points: 0 });
    expect(await ok(demo.url, 'POST', '/api/loyalty/alerts', { title: 'Card terminal offline', priority: 'urgent' }, 202)).toEqual({ queued: true });
    await drained(demo);

    const card = await history(herald, 'card:c-100');
    expect(card.messages.map((m) => [m.event, m.data])).toEqual([
      ['points_added', added],
      ['points_redeemed', redeemed],
      ['points_expired', expired],
    ]);
    expect((await history(herald, 'restaurant:7:transactions')).messages.map((m) => [m.event, m.data])).toEqual([['restaurant_transaction', added]]);
    expect((await history(herald, 'restaurant:8:transactions')).messages.map((m) => [m.event, m.data])).toEqual([['restaurant_transaction', redeemed]]);
    expect((await history(herald, `card:${registered.card.id}`)).messages.map((m) => [m.event, m.data])).toEqual([['card_created', { card: registered.card }]]);

    const feed = await history(herald, 'loyalty:events');
    expect(feed.messages.map((m) => m.event)).toEqual(['points_added', 'points_redeemed', 'points_expired', 'guest_registered', 'card_created']);
    for (const m of feed.messages) expect(m.data).toMatchObject({ event: m.event, id: expect.any(String), at: expect.any(String) });
    expect(feed.messages[3]!.data.data).toEqual({ guest: registered.guest });

    const alerts = (await history(herald, 'role:admin')).messages;
    expect(alerts.map((m) => [m.event, m.data.type, m.data.title, m.data.priority])).toEqual([['notification:new', 'system_alert', 'Card terminal offline', 'urgent']]);

    // Loads answer the heads, with the newest entries first.
    const cardLoad = await ok(demo.url, 'GET', '/api/loyalty/cards/c-100');
    expect(cardLoad.seq).toBe(card.head);
    expect(cardLoad.data.card.points).toBe(90);
    expect(cardLoad.data.transactions.slice(0, 3)).toEqual([expired.transaction, redeemed.transaction, added.transaction]);
    const adminLoad = await ok(demo.url, 'GET', '/api/loyalty/admin/feed');
    expect(adminLoad.seq).toBe(feed.head);
    expect(adminLoad.data.slice(0, 5)).toEqual(feed.messages.map((m) => m.data).reverse());
    const restaurantLoad = await ok(demo.url, 'GET', '/api/loyalty/restaurants/7/feed');
    expect(restaurantLoad.seq).toBe(1);
    expect(restaurantLoad.data[0]).toEqual(added.transaction);
  });
});
