/** Scenario 5: the bookings live view both dashboards share, and its list. */
import { useLiveState } from '@herald/react';
import type { ReactNode } from 'react';
import type { Booking } from '../../../server/domain/marketplace.js';
import { api, type Loaded } from '../api.js';
import { dateTime, upsert } from '../lib.js';

type BookingEvents = Record<'booking:created' | 'booking:accepted' | 'booking:rejected' | 'payment:status' | 'payout:status', { booking: Booking }>;

// ── Herald: a party's bookings, kept live by that party's channel ──
export function useBookings(side: 'client' | 'provider', id: string) {
  return useLiveState<Booking[], BookingEvents>(`market:${side}-${id}`, {
    load: () => api.get<Loaded<Booking[]>>(`/api/market/${side}/${id}`),
    reduce: (list, m) => upsert(list, m.data.booking),
  });
}

const PAYMENT = ['PAID', 'ESCROW', 'RELEASED'] as const;
const PAYOUT = ['PENDING', 'PROCESSING', 'COMPLETED'] as const;

function Steps({ label, steps, at }: { label: string; steps: readonly string[]; at: string | null }) {
  const failed = at === 'FAILED';
  const index = failed ? steps.length - 1 : at === null ? -1 : steps.indexOf(at);
  return (
    <ol className="steps" aria-label={`${label}: ${at ?? 'not started'}`} data-testid={label.toLowerCase()} data-value={at ?? ''}>
      {steps.map((s, i) => (
        <li key={s} data-done={i <= index} data-failed={failed && i === steps.length - 1} aria-current={i === index ? 'step' : undefined}>
          {failed && i === steps.length - 1 ? 'FAILED' : s}
        </li>
      ))}
    </ol>
  );
}

export function BookingList({ bookings, side, actions }: { bookings: Booking[]; side: 'client' | 'provider'; actions: (b: Booking) => ReactNode }) {
  if (bookings.length === 0) return <p className="muted">No bookings yet.</p>;
  return (
    <ul className="rows" aria-label="Bookings">
      {bookings.map((b) => (
        <li key={b.id} className="booking" data-testid="booking" data-id={b.id} data-status={b.status}>
          <div className="booking-head">
            <strong>{b.service}</strong> · {b.date.length === 10 ? new Date(`${b.date}T00:00`).toLocaleDateString([], { dateStyle: 'medium' }) : dateTime(b.date)} · €{b.price}
            <span className={`status status-${b.status}`}>{b.status}</span>
          </div>
          {b.status !== 'rejected' && <Steps label="Payment" steps={PAYMENT} at={b.payment} />}
          {side === 'provider' && b.payment === 'RELEASED' && <Steps label="Payout" steps={PAYOUT} at={b.payout} />}
          <div className="buttons">{actions(b)}</div>
        </li>
      ))}
    </ul>
  );
}
