/**
 * Scenario 5: the marketplace client's dashboard. Bookings, their acceptance and the payment
 * (PAID → ESCROW → RELEASED) update live; the badge shows Live / Polling / Offline.
 */
import { ConnectionBadge, NotificationCenter, NotificationToaster } from '@herald/react';
import { useState, type FormEvent } from 'react';
import type { Booking } from '../../../server/domain/marketplace.js';
import { api } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { BookingList, useBookings } from './market-shared.js';

export function MarketClient({ id }: { id: string }) {
  return (
    <DemoHerald persona="market-client" params={{ id }}>
      <ClientView id={id} />
    </DemoHerald>
  );
}

function ClientView({ id }: { id: string }) {
  const live = useBookings('client', id);
  const [form, setForm] = useState({ service: 'Deep cleaning', date: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), price: 80 });
  const book = (e: FormEvent) => {
    e.preventDefault();
    void api.post('/api/market/bookings', { clientId: id, providerId: 'pat', ...form });
  };
  const pay = (b: Booking) => api.post(`/api/market/bookings/${b.id}/pay`);
  return (
    <Page scenario={`Scenario 5 · Marketplace, client ${id}`} title="My bookings" actions={<><ConnectionBadge /><NotificationCenter /></>}>
      <NotificationToaster />
      <div className="grid two">
        <Card title="Book a service from Pat">
          <form className="form" onSubmit={book}>
            <label>
              Service
              <select value={form.service} onChange={(e) => setForm({ ...form, service: e.target.value })}>
                <option>Deep cleaning</option>
                <option>Window cleaning</option>
                <option>Garden care</option>
              </select>
            </label>
            <label>
              Date
              <input type="date" required value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
            </label>
            <label>
              Price (€)
              <input type="number" min={1} value={form.price} onChange={(e) => setForm({ ...form, price: Number(e.target.value) })} />
            </label>
            <button className="button primary">Request booking</button>
          </form>
        </Card>
        <Card title="Bookings">
          <LiveStatus status={live.status} error={live.error} reload={live.reload} />
          <BookingList
            bookings={live.data ?? []}
            side="client"
            actions={(b) =>
              b.status === 'accepted' && b.payment === null ? (
                <button type="button" className="button primary small" onClick={() => pay(b)}>
                  Pay €{b.price}
                </button>
              ) : null
            }
          />
        </Card>
      </div>
    </Page>
  );
}
