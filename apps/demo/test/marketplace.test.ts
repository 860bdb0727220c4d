/** Scenario 5: a booking's life reaches both parties' channels in order, with notifications. */
import { describe, expect, it } from 'vitest';
import { call, drained, history, ok, startDemo, startHerald, waitUntil } from './helpers.js';

const booking = { clientId: 'cleo', providerId: 'pat', service: 'Window cleaning', date: '2030-03-02', price: 45 };

describe('marketplace scenario', () => {
  it('created → accepted → PAID → ESCROW → RELEASED, payout PENDING → PROCESSING → COMPLETED, on both channels', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald, { stepMs: 40 });
    const client0 = await ok(demo.url, 'GET', '/api/market/client/cleo');
    expect([client0.seq, client0.data.length]).toEqual([0, 1]);

    const { booking: created } = await ok(demo.url, 'POST', '/api/market/bookings', booking, 201);
    expect(created).toMatchObject({ ...booking, status: 'created', payment: null, payout: null });
    const early = await call(demo.url, 'POST', `/api/market/bookings/${created.id}/pay`);
    expect([early.status, early.body.error.code]).toEqual([409, 'INVALID_TRANSITION']);
    await ok(demo.url, 'POST', `/api/market/bookings/${created.id}/accept`);
    expect((await ok(demo.url, 'POST', `/api/market/bookings/${created.id}/pay`)).booking.payment).toBe('PAID');
    expect((await call(demo.url, 'POST', `/api/market/bookings/${created.id}/complete`, {})).status).toBe(409);
    const paymentOf = async () => (await ok(demo.url, 'GET', '/api/market/client/cleo')).data.find((b: { id: string }) => b.id === created.id);
    await waitUntil(async () => (await paymentOf()).payment === 'ESCROW', 3000, 'ESCROW');
    expect((await ok(demo.url, 'POST', `/api/market/bookings/${created.id}/complete`, {})).booking).toMatchObject({ payment: 'RELEASED', payout: 'PENDING' });
    await waitUntil(async () => (await paymentOf()).payout === 'COMPLETED', 3000, 'payout COMPLETED');
    await drained(demo);

    const steps = ['booking:created/created/-/-', 'booking:accepted/accepted/-/-', 'payment:status/accepted/PAID/-', 'payment:status/accepted/ESCROW/-',
      'payment:status/accepted/RELEASED/-', 'payout:status/accepted/RELEASED/PENDING', 'payout:status/accepted/RELEASED/PROCESSING', 'payout:status/accepted/RELEASED/COMPLETED'];
    for (const channel of ['market:client-cleo', 'market:provider-pat']) {
      const { messages, head } = await history(herald, channel);
      expect(messages.map((m) => `${m.event}/${m.data.booking.status}/${m.data.booking.payment ?? '-'}/${m.data.booking.payout ?? '-'}`)).toEqual(steps);
      const load = await ok(demo.url, 'GET', channel.replace('market:client-', '/api/market/client/').replace('market:provider-', '/api/market/provider/'));
      expect(load.seq).toBe(head);
      expect(load.data[0]).toEqual(messages.at(-1)!.data.booking);
    }
    expect((await history(herald, 'user:provider-pat')).messages.map((m) => [m.data.type, m.data.title])).toEqual([
      ['booking_created', 'New booking request'],
      ['payout_completed', 'Payout completed'],
    ]);
    expect((await history(herald, 'user:client-cleo')).messages.map((m) => [m.data.type, m.data.title])).toEqual([['booking_accepted', 'Booking accepted']]);
  });

  it('a rejected booking cannot be paid; a failed payout notifies the provider with high priority', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald, { stepMs: 30 });
    const { booking: rejected } = await ok(demo.url, 'POST', '/api/market/bookings', { ...booking, price: '60.50' }, 201);
    expect(rejected.price).toBe(60.5);
    await ok(demo.url, 'POST', `/api/market/bookings/${rejected.id}/reject`);
    expect((await call(demo.url, 'POST', `/api/market/bookings/${rejected.id}/accept`)).status).toBe(409);
    expect((await call(demo.url, 'POST', `/api/market/bookings/${rejected.id}/pay`)).status).toBe(409);

    const { booking: b } = await ok(demo.url, 'POST', '/api/market/bookings', booking, 201);
    await ok(demo.url, 'POST', `/api/market/bookings/${b.id}/accept`);
    await ok(demo.url, 'POST', `/api/market/bookings/${b.id}/pay`);
    const provider = async () => (await ok(demo.url, 'GET', '/api/market/provider/pat')).data.find((x: { id: string }) => x.id === b.id);
    await waitUntil(async () => (await provider()).payment === 'ESCROW', 3000, 'ESCROW');
    await ok(demo.url, 'POST', `/api/market/bookings/${b.id}/complete`, { failPayout: true });
    await waitUntil(async () => (await provider()).payout === 'FAILED', 3000, 'payout FAILED');
    await drained(demo);
    const notes = (await history(herald, 'user:provider-pat')).messages.map((m) => [m.data.type, m.data.priority]);
    expect(notes).toEqual([['booking_created', 'normal'], ['booking_created', 'normal'], ['payout_failed', 'high']]);
    expect((await history(herald, 'user:client-cleo')).messages.map((m) => m.data.type)).toEqual(['booking_rejected', 'booking_accepted']);
  });
});
