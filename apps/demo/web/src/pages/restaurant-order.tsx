/**
 * Scenario 1: the customer's side, for placing orders and reservations. It only talks to the
 * restaurant's back end, which then tells Herald; no Herald code here.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Order } from '../../../server/domain/restaurant.js';
import { api } from '../api.js';
import { Card, Page } from '../layout.js';
import { money } from '../lib.js';

export interface MenuItem {
  name: string;
  price: number;
}

export function RestaurantOrder({ r }: { r: number }) {
  const [restaurant, setRestaurant] = useState<{ name: string; menu: MenuItem[]; tables: number[] }>();
  const [table, setTable] = useState(5);
  const [message, setMessage] = useState<string>();
  const [reservation, setReservation] = useState({ name: '', partySize: 2, time: '' });
  useEffect(() => void api.get<typeof restaurant>(`/api/restaurants/${r}`).then(setRestaurant), [r]);

  const order = async (items: { name: string; qty: number }[]) => {
    const { order } = await api.post<{ order: Order }>(`/api/restaurants/${r}/orders`, { table, items });
    setMessage(`Order #${order.number} placed for table ${order.table}.`);
  };
  const reserve = async (e: FormEvent) => {
    e.preventDefault();
    await api.post(`/api/restaurants/${r}/reservations`, { ...reservation, time: new Date(reservation.time).toISOString() });
    setMessage(`Table reserved for ${reservation.name}.`);
    setReservation({ name: '', partySize: 2, time: '' });
  };

  return (
    <Page scenario={`Scenario 1 · Customer`} title={restaurant ? `Order at ${restaurant.name}` : 'Order'}>
      <p role="status" className="notice" hidden={!message} data-testid="notice">
        {message}
      </p>
      <div className="grid two">
        <Card
          title="Menu"
          aside={
            <label className="inline">
              Table{' '}
              <select value={table} onChange={(e) => setTable(Number(e.target.value))}>
                {(restaurant?.tables ?? []).map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          }
        >
          <MenuPicker menu={restaurant?.menu ?? []} onOrder={order} />
        </Card>
        <Card title="Reserve a table">
          <form className="form" onSubmit={reserve}>
            <label>
              Name
              <input required value={reservation.name} onChange={(e) => setReservation({ ...reservation, name: e.target.value })} />
            </label>
            <label>
              Party size
              <input type="number" min={1} max={20} required value={reservation.partySize} onChange={(e) => setReservation({ ...reservation, partySize: Number(e.target.value) })} />
            </label>
            <label>
              When
              <input type="datetime-local" required value={reservation.time} onChange={(e) => setReservation({ ...reservation, time: e.target.value })} />
            </label>
            <button className="button primary">Reserve</button>
          </form>
        </Card>
      </div>
    </Page>
  );
}

/** Quantities per dish and a button that orders them (shared with the guest's table page). */
export function MenuPicker({ menu, onOrder }: { menu: MenuItem[]; onOrder: (items: { name: string; qty: number }[]) => Promise<void> }) {
  const [qty, setQty] = useState<Record<string, number>>({});
  const [busy, setBusy] = useState(false);
  const items = Object.entries(qty).filter(([, q]) => q > 0).map(([name, q]) => ({ name, qty: q }));
  const submit = async () => {
    setBusy(true);
    try {
      await onOrder(items);
      setQty({});
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="menu">
      <ul className="rows">
        {menu.map((m) => (
          <li key={m.name} className="menu-row">
            <span>
              {m.name} <span className="muted">{money(m.price)}</span>
            </span>
            <span className="stepper">
              <button type="button" className="button small" aria-label={`One less ${m.name}`} onClick={() => setQty({ ...qty, [m.name]: Math.max(0, (qty[m.name] ?? 0) - 1) })}>
                −
              </button>
              <output aria-label={`${m.name} quantity`}>{qty[m.name] ?? 0}</output>
              <button type="button" className="button small" aria-label={`One more ${m.name}`} onClick={() => setQty({ ...qty, [m.name]: (qty[m.name] ?? 0) + 1 })}>
                +
              </button>
            </span>
          </li>
        ))}
      </ul>
      <button type="button" className="button primary" disabled={items.length === 0 || busy} onClick={submit}>
        Place order
      </button>
    </div>
  );
}
