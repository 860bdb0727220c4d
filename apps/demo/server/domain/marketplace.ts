/**
 * Scenario 5: a service marketplace. A client books a provider; the provider accepts or rejects;
 * the client pays (PAID → ESCROW), the job is completed (RELEASED) and the provider's payout goes
 * PENDING → PROCESSING → COMPLETED | FAILED. Payment and payout steps are timers in this back end,
 * as a payment provider's webhooks would be in a real one; they change data through the outbox too.
 *
 * Live views: `market:client-{id}` and `market:provider-{id}`; every event goes to both parties'
 * channels with the full booking: `booking:created`, `booking:accepted`, `booking:rejected`,
 * `payment:status`, `payout:status` {booking}.
 * Notifications to the other party's `user:` channel: `booking_created` (provider),
 * `booking_accepted` / `booking_rejected` (client), `payout_completed` / `payout_failed` (provider).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Priority } from '@herald/protocol';
import { DemoError, notFound, parseInput } from '../errors.js';
import type { Outbox } from '../outbox.js';
import { idSchema, iso, minutesAgo, newestFirst, newId, nowIso } from './common.js';

export interface Booking {
  id: string;
  clientId: string;
  providerId: string;
  service: string;
  /** The day (or time) of the service, as the client gave it. */
  date: string;
  price: number;
  status: 'created' | 'accepted' | 'rejected';
  payment: null | 'PAID' | 'ESCROW' | 'RELEASED';
  payout: null | 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  createdAt: string;
  updatedAt: string;
}

type BookingEvent = 'booking:created' | 'booking:accepted' | 'booking:rejected' | 'payment:status' | 'payout:status';

/** Each party's live-view channel. */
export const clientChannel = (id: string) => `market:client-${id}`;
export const providerChannel = (id: string) => `market:provider-${id}`;

const price = z
  .union([z.number(), z.string().regex(/^\d{1,6}(\.\d{1,2})?$/).transform(Number)])
  .pipe(z.number().positive().max(100_000));
const createBody = z.strictObject({
  clientId: idSchema,
  providerId: idSchema,
  service: z.string().trim().min(1).max(120),
  date: z.union([z.iso.date(), z.iso.datetime({ local: true, offset: true })]),
  price,
});
const bookingParams = z.strictObject({ id: idSchema });
const partyParams = z.strictObject({ id: idSchema });
const completeBody = z.strictObject({ failPayout: z.boolean().optional() }).optional();

export interface MarketplaceScenario {
  /** Add the `/api/market/*` routes. */
  register(app: FastifyInstance): void;
  /** Cancel the payment and payout timers still running. */
  close(): void;
}

export interface MarketplaceOptions {
  /** Time between two automatic payment / payout steps, ms. @default 1500 */
  stepMs?: number;
}

/** Bookings between clients and providers, with seed data, announcing every change through `outbox`. */
export function createMarketplaceScenario(outbox: Outbox, { stepMs = 1500 }: MarketplaceOptions = {}): MarketplaceScenario {
  // Records are replaced, never changed in place (see restaurant.ts for why).
  const bookings = new Map<string, Booking>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  // Seed: Cleo booked Pat last month; it went all the way.
  const past = minutesAgo(60 * 24 * 21);
  const seeded: Booking = {
    id: newId(past),
    clientId: 'cleo',
    providerId: 'pat',
    service: 'Deep cleaning, 3 hours',
    date: iso(past + 3 * 24 * 3_600_000).slice(0, 10),
    price: 90,
    status: 'accepted',
    payment: 'RELEASED',
    payout: 'COMPLETED',
    createdAt: iso(past),
    updatedAt: iso(past + 4 * 24 * 3_600_000),
  };
  bookings.set(seeded.id, seeded);

  /** Apply a change and announce it to both parties, in one step. */
  function change(booking: Booking, patch: Partial<Booking>, event: BookingEvent): Booking {
    const updated: Booking = { ...booking, ...patch, updatedAt: nowIso() };
    bookings.set(updated.id, updated);
    outbox.publish([clientChannel(updated.clientId), providerChannel(updated.providerId)], event, { booking: updated });
    return updated;
  }

  function tell(user: string, type: string, title: string, booking: Booking, actionUrl: string, priority: Priority = 'normal'): void {
    outbox.notify({
      to: [`user:${user}`],
      type,
      title,
      body: `${booking.service} · ${booking.date} · €${booking.price.toFixed(2)}`,
      actionUrl: `${actionUrl}#booking-${booking.id}`,
      priority,
      data: { bookingId: booking.id },
    });
  }
  const toClient = (b: Booking, type: string, title: string) => tell(`client-${b.clientId}`, type, title, b, `/market/client/${b.clientId}`);
  const toProvider = (b: Booking, type: string, title: string, priority?: Priority) =>
    tell(`provider-${b.providerId}`, type, title, b, `/market/provider/${b.providerId}`, priority);

  /** Run `step` on the booking as it is `stepMs` from now. */
  function later(id: string, step: (booking: Booking) => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      step(bookings.get(id)!);
    }, stepMs);
    timers.add(timer);
  }

  const bookingOf = (params: unknown) => {
    const { id } = parseInput(bookingParams, params, 'params');
    const booking = bookings.get(id);
    if (!booking) throw notFound('booking', id);
    return booking;
  };
  const refuse = (booking: Booking, action: string) =>
    new DemoError('INVALID_TRANSITION', `Booking ${booking.id} (${booking.status}, payment ${booking.payment ?? 'none'}, payout ${booking.payout ?? 'none'}) cannot be ${action}`, {
      status: booking.status,
      payment: booking.payment,
      payout: booking.payout,
    });

  function register(app: FastifyInstance): void {
    app.get('/api/market/client/:id', async (request) => {
      const { id } = parseInput(partyParams, request.params, 'params');
      return outbox.load(clientChannel(id), () => newestFirst([...bookings.values()].filter((b) => b.clientId === id)));
    });

    app.get('/api/market/provider/:id', async (request) => {
      const { id } = parseInput(partyParams, request.params, 'params');
      return outbox.load(providerChannel(id), () => newestFirst([...bookings.values()].filter((b) => b.providerId === id)));
    });

    app.post('/api/market/bookings', async (request, reply) => {
      const body = parseInput(createBody, request.body, 'body');
      const at = nowIso();
      const booking: Booking = { id: newId(), ...body, status: 'created', payment: null, payout: null, createdAt: at, updatedAt: at };
      bookings.set(booking.id, booking);
      outbox.publish([clientChannel(booking.clientId), providerChannel(booking.providerId)], 'booking:created', { booking });
      toProvider(booking, 'booking_created', 'New booking request');
      return reply.status(201).send({ booking });
    });

    // The provider's answer to a request: accept or reject, each told to the client.
    for (const [action, status, title] of [
      ['accept', 'accepted', 'Booking accepted'],
      ['reject', 'rejected', 'Booking declined'],
    ] as const) {
      app.post(`/api/market/bookings/:id/${action}`, async (request) => {
        const booking = bookingOf(request.params);
        if (booking.status !== 'created') throw refuse(booking, status);
        const updated = change(booking, { status }, `booking:${status}`);
        toClient(updated, `booking_${status}`, title);
        return { booking: updated };
      });
    }

    app.post('/api/market/bookings/:id/pay', async (request) => {
      const booking = bookingOf(request.params);
      if (booking.status !== 'accepted' || booking.payment !== null) throw refuse(booking, 'paid');
      const updated = change(booking, { payment: 'PAID' }, 'payment:status');
      later(updated.id, (b) => change(b, { payment: 'ESCROW' }, 'payment:status'));
      return { booking: updated };
    });

    app.post('/api/market/bookings/:id/complete', async (request) => {
      const booking = bookingOf(request.params);
      const { failPayout = false } = parseInput(completeBody, request.body, 'body') ?? {};
      if (booking.payment !== 'ESCROW') throw refuse(booking, 'completed');
      const released = change(booking, { payment: 'RELEASED' }, 'payment:status');
      const updated = change(released, { payout: 'PENDING' }, 'payout:status');
      later(updated.id, (b) => {
        change(b, { payout: 'PROCESSING' }, 'payout:status');
        later(b.id, (p) => {
          const done = change(p, { payout: failPayout ? 'FAILED' : 'COMPLETED' }, 'payout:status');
          if (failPayout) toProvider(done, 'payout_failed', 'Payout failed', 'high');
          else toProvider(done, 'payout_completed', 'Payout completed');
        });
      });
      return { booking: updated };
    });
  }

  return {
    register,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
