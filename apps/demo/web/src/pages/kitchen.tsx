/**
 * Scenario 2: the kitchen display of one restaurant. New orders arrive with a sound; staff move
 * them pending → cooking → ready → served, and every screen and the guest's page follow.
 */
import { ConnectionBadge, SoundToggle, useLiveState, useSound } from '@herald/react';
import type { Order, OrderStatus } from '../../../server/domain/restaurant.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { time, upsert } from '../lib.js';
import { Link } from '../router.js';

type KitchenEvents = { 'order:created': { order: Order }; 'order:status': { order: Order } };

// ── Herald: the open orders, kept live by the kitchen's channel; a sound for each new one ──
function useKitchenOrders(r: number) {
  const { play } = useSound();
  return useLiveState<Order[], KitchenEvents>(`restaurant:${r}:kitchen`, {
    load: async () => {
      const { data, seq } = await api.get<Loaded<{ orders: Order[] }>>(`/api/restaurants/${r}/kitchen`);
      return { data: data.orders, seq };
    },
    reduce: (orders, m) => upsert(orders, m.data.order).filter((o) => o.status !== 'served'),
    onMessage: (m) => m.event === 'order:created' && play(),
  });
}

export function Kitchen({ r, screen }: { r: number; screen: string }) {
  return (
    <DemoHerald persona="kitchen" params={{ restaurantId: r, screen }}>
      <KitchenView r={r} />
    </DemoHerald>
  );
}

const NEXT: Partial<Record<OrderStatus, { to: OrderStatus; label: string }>> = {
  pending: { to: 'cooking', label: 'Start cooking' },
  cooking: { to: 'ready', label: 'Ready' },
  ready: { to: 'served', label: 'Served' },
};
const COLUMNS: OrderStatus[] = ['pending', 'cooking', 'ready'];

function KitchenView({ r }: { r: number }) {
  const live = useKitchenOrders(r);
  const orders = [...(live.data ?? [])].sort((a, b) => a.number - b.number);
  const move = (o: Order, to: OrderStatus) => api.post(`/api/restaurants/${r}/orders/${o.id}/status`, { status: to });
  return (
    <Page scenario={`Scenario 2 · Kitchen display, restaurant ${r}`} title="Kitchen" actions={<><ConnectionBadge /><SoundToggle /></>}>
      <LiveStatus status={live.status} error={live.error} reload={live.reload} />
      <div className="grid three">
        {COLUMNS.map((status) => (
          <Card key={status} title={`${status[0]!.toUpperCase()}${status.slice(1)}`} className={`column column-${status}`}>
            <ul className="tickets" aria-label={`${status} orders`}>
              {orders
                .filter((o) => o.status === status)
                .map((o) => (
                  <li key={o.id} className="ticket" data-testid="ticket" data-order={o.number}>
                    <div className="ticket-head">
                      <strong>#{o.number}</strong> <span>Table {o.table}</span> <span className="muted">{time(o.createdAt)}</span>
                    </div>
                    <ul>
                      {o.items.map((i) => (
                        <li key={i.name}>
                          {i.qty}× {i.name}
                        </li>
                      ))}
                    </ul>
                    {NEXT[o.status] && (
                      <button type="button" className="button primary small" onClick={() => move(o, NEXT[o.status]!.to)}>
                        {NEXT[o.status]!.label} <span className="sr-only">#{o.number}</span>
                      </button>
                    )}
                  </li>
                ))}
            </ul>
          </Card>
        ))}
      </div>
      <Card title="Table QR codes">
        <p className="muted">Each table's code opens a guest session (no account).</p>
        <p className="qr-links">
          {[1, 2, 3, 4, 5, 6, 7, 8].map((t) => (
            <Link key={t} to={`/table/${r}/${t}`} target="_blank" className="button small">
              Table {t}
            </Link>
          ))}
        </p>
      </Card>
    </Page>
  );
}
