/**
 * Every route refuses what it cannot accept, in Herald's error format: 400 VALIDATION_FAILED
 * (with details), 404 NOT_FOUND for unknown ids and routes, 409 INVALID_TRANSITION. A refused
 * request changes nothing and announces nothing.
 */
import { describe, expect, it } from 'vitest';
import { call, drained, history, ok, startDemo, startHerald } from './helpers.js';

describe('bad input', () => {
  it('answers 400, 404 and 409 with stable codes, and publishes nothing for them', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const { sessionId } = await ok(demo.url, 'POST', '/api/tables/7/2/session', undefined, 201);
    const { order } = await ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: 3, items: [{ name: 'Espresso', qty: 1 }] }, 201);
    const { booking } = await ok(demo.url, 'POST', '/api/market/bookings', { clientId: 'cleo', providerId: 'pat', service: 'Ironing', date: '2030-01-01', price: 20 }, 201);
    await drained(demo);
    const heads = async () =>
      Promise.all(['restaurant:7:dashboard', 'restaurant:7:kitchen', 'restaurant:7:admins', 'card:c-100', 'market:client-cleo'].map(async (c) => (await history(herald, c)).head));
    const before = await heads();

    const cases: [string, string, unknown, string][] = [
      // 400: bodies and params that do not fit.
      ['POST', '/api/restaurants/7/orders', { table: 3, items: [] }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/orders', { table: 3, items: [{ name: 'Sushi', qty: 1 }] }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/orders', { table: 99, items: [{ name: 'Espresso', qty: 1 }] }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/orders', { table: 3, items: [{ name: 'Espresso', qty: 0 }] }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/orders', { table: 3, items: [{ name: 'Espresso', qty: 1 }], extra: true }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/seven/orders', { table: 3, items: [{ name: 'Espresso', qty: 1 }] }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/reservations', { name: '', partySize: 2, time: '2030-01-01T19:00' }, '400 VALIDATION_FAILED'],
      ['POST', '/api/restaurants/7/reservations', { name: 'Li', partySize: 2, time: 'tonight' }, '400 VALIDATION_FAILED'],
      ['POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'eaten' }, '400 VALIDATION_FAILED'],
      ['POST', `/api/sessions/${sessionId}/orders`, { items: [{ name: 'Espresso', qty: 1 }], table: 4 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/loyalty/cards/c-100/points', { restaurantId: 7, points: -5 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/loyalty/cards/c-100/points', { points: 5 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/loyalty/alerts', { title: 'x', priority: 'low' }, '400 VALIDATION_FAILED'],
      ['POST', '/api/loyalty/guests', { name: '   ' }, '400 VALIDATION_FAILED'],
      ['POST', '/api/jobs', { user: 'quinn', type: 'report_ready', count: 21 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/jobs', { user: 'quinn', type: 'unknown', count: 1 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/market/bookings', { clientId: 'cleo', providerId: 'pat', service: 'x', date: 'soon', price: 10 }, '400 VALIDATION_FAILED'],
      ['POST', '/api/market/bookings', { clientId: 'cl:eo', providerId: 'pat', service: 'x', date: '2030-01-01', price: 10 }, '400 VALIDATION_FAILED'],
      ['POST', `/api/market/bookings/${booking.id}/complete`, { failPayout: 'yes' }, '400 VALIDATION_FAILED'],
      ['GET', '/api/jobs/a%20b', undefined, '400 VALIDATION_FAILED'],
      // 404: unknown ids and routes.
      ['GET', '/api/restaurants/9', undefined, '404 NOT_FOUND'],
      ['GET', '/api/restaurants/9/dashboard', undefined, '404 NOT_FOUND'],
      ['POST', '/api/restaurants/9/orders', { table: 3, items: [{ name: 'Espresso', qty: 1 }] }, '404 NOT_FOUND'],
      ['POST', '/api/restaurants/8/orders/' + order.id + '/status', { status: 'cooking' }, '404 NOT_FOUND'],
      ['POST', '/api/restaurants/7/orders/nope/status', { status: 'cooking' }, '404 NOT_FOUND'],
      ['POST', '/api/tables/7/9/session', undefined, '404 NOT_FOUND'],
      ['GET', '/api/sessions/nope', undefined, '404 NOT_FOUND'],
      ['POST', '/api/sessions/nope/orders', { items: [{ name: 'Espresso', qty: 1 }] }, '404 NOT_FOUND'],
      ['GET', '/api/loyalty/cards/c-999', undefined, '404 NOT_FOUND'],
      ['POST', '/api/loyalty/cards/c-999/points', { restaurantId: 7, points: 5 }, '404 NOT_FOUND'],
      ['POST', '/api/loyalty/cards/c-100/points', { restaurantId: 9, points: 5 }, '404 NOT_FOUND'],
      ['GET', '/api/loyalty/restaurants/9/feed', undefined, '404 NOT_FOUND'],
      ['POST', '/api/market/bookings/nope/accept', undefined, '404 NOT_FOUND'],
      ['GET', '/api/nothing-here', undefined, '404 NOT_FOUND'],
      ['DELETE', '/api/jobs/quinn', undefined, '404 NOT_FOUND'],
      // 409: transitions the record's state does not allow.
      ['POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'ready' }, '409 INVALID_TRANSITION'],
      ['POST', `/api/restaurants/7/orders/${order.id}/status`, { status: 'pending' }, '409 INVALID_TRANSITION'],
      ['POST', '/api/loyalty/cards/c-101/redeem', { restaurantId: 8, points: 31 }, '409 INVALID_TRANSITION'],
      ['POST', '/api/loyalty/cards/c-101/expire', { points: 31 }, '409 INVALID_TRANSITION'],
      ['POST', `/api/market/bookings/${booking.id}/pay`, undefined, '409 INVALID_TRANSITION'],
      ['POST', `/api/market/bookings/${booking.id}/complete`, {}, '409 INVALID_TRANSITION'],
    ];
    for (const [method, path, body, expected] of cases) {
      const res = await call(demo.url, method, path, body);
      expect(`${method} ${path} ${JSON.stringify(body)} → ${res.status} ${res.body?.error?.code}`).toBe(`${method} ${path} ${JSON.stringify(body)} → ${expected}`);
      expect(typeof res.body.error.message).toBe('string');
      if (expected.startsWith('400') && body !== undefined && path !== '/api/jobs/a%20b') expect(res.body.error.details?.length ?? 1).toBeGreaterThan(0);
    }
    const details = (await call(demo.url, 'POST', '/api/restaurants/7/orders', { table: 3, items: [{ name: 'Sushi', qty: 1 }] })).body.error.details;
    expect(details).toEqual([{ path: 'items.0.name', message: '"Sushi" is not on the menu' }]);

    // Malformed JSON is a validation failure too; an empty JSON body is no body.
    const raw = await fetch(`${demo.url}/api/restaurants/7/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"table":' });
    expect([raw.status, ((await raw.json()) as any).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = await fetch(`${demo.url}/api/market/bookings/${booking.id}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(200);

    await drained(demo);
    const after = await heads();
    // Only the accepted booking moved; the refusals announced nothing.
    expect(after).toEqual([before[0], before[1], before[2], before[3], before[4]! + 1]);
  });
});
