/**
 * Scenario 1: the restaurant's admin dashboard. Live orders and reservations; a toast (7 s,
 * clickable, with sound) for each new one; none on first load, none again after a reload.
 */
import { ConnectionBadge, NotificationCenter, NotificationToaster, SoundToggle, useLiveState } from '@herald/react';
import { useState } from 'react';
import type { Order, Reservation } from '../../../server/domain/restaurant.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { dateTime, time, upsert } from '../lib.js';
import { Link, openInApp } from '../router.js';

interface Dashboard {
  orders: Order[];
  reservations: Reservation[];
}
type DashboardEvents = {
  'order:created': { order: Order };
  'order:status': { order: Order };
  'reservation:created': { reservation: Reservation };
};

// ── Herald: the dashboard's data, loaded once and kept live by the restaurant's channel ──
function useDashboard(r: number, onNew: (id: string) => void) {
  return useLiveState<Dashboard, DashboardEvents>(`restaurant:${r}:dashboard`, {
    load: () => api.get<Loaded<Dashboard>>(`/api/restaurants/${r}/dashboard`),
    reduce: (d, m) =>
      m.event === 'reservation:created'
        ? { ...d, reservations: upsert(d.reservations, m.data.reservation) }
        : { ...d, orders: upsert(d.orders, m.data.order) },
    onMessage: (m) => onNew(m.event === 'reservation:created' ? m.data.reservation.id : m.data.order.id),
  });
}

export function RestaurantAdmin({ r, as }: { r: number; as: string }) {
  return (
    <DemoHerald persona="restaurant-admin" params={{ restaurantId: r, name: as }}>
      <AdminView r={r} as={as} />
    </DemoHerald>
  );
}

function AdminView({ r, as }: { r: number; as: string }) {
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const live = useDashboard(r, (id) => setFresh((s) => new Set(s).add(id)));
  const orders = live.data?.orders ?? [];
  const reservations = live.data?.reservations ?? [];
  return (
    <Page
      scenario={`Scenario 1 · Restaurant ${r} admin (${as})`}
      title="Orders and reservations"
      actions={
        <>
          <ConnectionBadge />
          <SoundToggle />
          <NotificationCenter onItemClick={(n) => openInApp(n.actionUrl)} />
        </>
      }
    >
      <NotificationToaster sound onClick={(n) => openInApp(n.actionUrl)} />
      <p className="lead">
        New orders and reservations appear here the moment customers place them, with a toast and a chime. Place some from the{' '}
        <Link to={`/restaurant/${r}/order`} target="_blank">
          customer page
        </Link>
        .
      </p>
      <LiveStatus status={live.status} error={live.error} reload={live.reload} />
      <div className="grid two">
        <Card title={`Orders (${orders.length})`}>
          <table className="table" aria-label="Orders">
            <thead>
              <tr>
                <th>#</th>
                <th>Table</th>
                <th>Items</th>
                <th>Status</th>
                <th>Placed</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id} id={`order-${o.id}`} tabIndex={-1} className={fresh.has(o.id) ? 'fresh' : undefined} data-testid="order-row">
                  <td>#{o.number}</td>
                  <td>{o.table}</td>
                  <td>{o.items.map((i) => `${i.qty}× ${i.name}`).join(', ')}</td>
                  <td>
                    <span className={`status status-${o.status}`}>{o.status}</span>
                  </td>
                  <td>{time(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={`Reservations (${reservations.length})`}>
          <ul className="rows" aria-label="Reservations">
            {reservations.map((res) => (
              <li key={res.id} id={`reservation-${res.id}`} tabIndex={-1} className={fresh.has(res.id) ? 'fresh' : undefined} data-testid="reservation-row">
                <strong>{res.name}</strong> · party of {res.partySize}
                <span className="muted"> · {dateTime(res.time)}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </Page>
  );
}
