/**
 * Scenario 2: a guest at a table. The table's QR code opens this page, which starts a table
 * session (no account) and follows that session's orders: only theirs.
 */
import { ConnectionBadge, useLiveState } from '@herald/react';
import { useEffect, useState } from 'react';
import type { Order, TableSession as Session } from '../../../server/domain/restaurant.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { upsert } from '../lib.js';
import { MenuPicker, type MenuItem } from './restaurant-order.js';

interface SessionData {
  session: Session;
  orders: Order[];
}
type SessionEvents = { 'order:created': { order: Order }; 'order:status': { order: Order } };

// ── Herald: this session's orders, kept live by the session's channel ──
function useSessionOrders(sessionId: string) {
  return useLiveState<SessionData, SessionEvents>(`session:${sessionId}`, {
    load: () => api.get<Loaded<SessionData>>(`/api/sessions/${sessionId}`),
    reduce: (d, m) => ({ ...d, orders: upsert(d.orders, m.data.order) }),
  });
}

export function TableSession({ r, table }: { r: number; table: number }) {
  const key = `demo-session:${r}:${table}`;
  const [sessionId, setSessionId] = useState(() => sessionStorage.getItem(key));
  useEffect(() => {
    if (sessionId) return;
    void api.post<{ sessionId: string }>(`/api/tables/${r}/${table}/session`).then(({ sessionId: id }) => {
      sessionStorage.setItem(key, id);
      setSessionId(id);
    });
  }, [key, r, table, sessionId]);
  if (!sessionId) return <p className="content muted">Opening your table…</p>;
  return (
    <DemoHerald persona="guest" params={{ sessionId }}>
      <GuestView r={r} table={table} sessionId={sessionId} />
    </DemoHerald>
  );
}

const STEPS = ['pending', 'cooking', 'ready', 'served'] as const;

function GuestView({ r, table, sessionId }: { r: number; table: number; sessionId: string }) {
  const live = useSessionOrders(sessionId);
  const [menu, setMenu] = useState<MenuItem[]>([]);
  useEffect(() => void api.get<{ menu: MenuItem[] }>(`/api/restaurants/${r}`).then((x) => setMenu(x.menu)), [r]);
  const order = (items: { name: string; qty: number }[]) => api.post(`/api/sessions/${sessionId}/orders`, { items }).then(() => {});
  return (
    <Page scenario={`Scenario 2 · Guest at table ${table}, restaurant ${r}`} title={`Table ${table}`} actions={<ConnectionBadge />}>
      <LiveStatus status={live.status} error={live.error} reload={live.reload} />
      <div className="grid two">
        <Card title="Order">
          <MenuPicker menu={menu} onOrder={order} />
        </Card>
        <Card title="Your orders">
          {live.data?.orders.length === 0 && <p className="muted">Nothing ordered yet.</p>}
          <ul className="rows" aria-label="Your orders">
            {live.data?.orders.map((o) => (
              <li key={o.id} data-testid="guest-order" data-status={o.status}>
                <strong>#{o.number}</strong> {o.items.map((i) => `${i.qty}× ${i.name}`).join(', ')}
                <ol className="steps" aria-label={`Order ${o.number} status: ${o.status}`}>
                  {STEPS.map((s) => (
                    <li key={s} data-done={STEPS.indexOf(s) <= STEPS.indexOf(o.status)} aria-current={s === o.status ? 'step' : undefined}>
                      {s}
                    </li>
                  ))}
                </ol>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </Page>
  );
}
