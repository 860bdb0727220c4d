/**
 * Scenario 3: the loyalty platform's admin. Every loyalty event, live; system alerts as
 * notifications (toast, bell, notification center); tools to register guests, expire points and
 * raise an alert.
 */
import { ConnectionBadge, NotificationCenter, NotificationToaster, useLiveState } from '@herald/react';
import { useState, type FormEvent } from 'react';
import type { FeedEvent } from '../../../server/domain/loyalty.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { time, upsert } from '../lib.js';
import { openInApp } from '../router.js';

// ── Herald: every loyalty event, kept live by the platform's channel ──
function useLoyaltyEvents() {
  return useLiveState<FeedEvent[]>('loyalty:events', {
    load: () => api.get<Loaded<FeedEvent[]>>('/api/loyalty/admin/feed'),
    reduce: (list, m) => upsert(list, m.data as unknown as FeedEvent).slice(0, 50),
  });
}

export function LoyaltyAdmin() {
  return (
    <DemoHerald persona="loyalty-admin">
      <AdminView />
    </DemoHerald>
  );
}

const LABEL: Record<FeedEvent['event'], string> = {
  points_added: 'Points added',
  points_redeemed: 'Points redeemed',
  points_expired: 'Points expired',
  guest_registered: 'Guest registered',
  card_created: 'Card created',
};

function describe(e: FeedEvent): string {
  const d = e.data as { guest?: { name: string }; card?: { id: string; guestName: string }; transaction?: { points: number; cardId: string } };
  if (d.transaction) return `${d.transaction.points} points · card ${d.transaction.cardId}`;
  if (d.card) return `${d.card.id} · ${d.card.guestName}`;
  return d.guest?.name ?? '';
}

function AdminView() {
  const live = useLoyaltyEvents();
  const [guest, setGuest] = useState('');
  const [alert, setAlert] = useState({ title: 'Payment terminal offline at restaurant 8', priority: 'high' });
  const register = async (e: FormEvent) => {
    e.preventDefault();
    await api.post('/api/loyalty/guests', { name: guest });
    setGuest('');
  };
  return (
    <Page
      scenario="Scenario 3 · Loyalty, admin"
      title="Loyalty platform"
      actions={
        <>
          <ConnectionBadge />
          <NotificationCenter onItemClick={(n) => openInApp(n.actionUrl)} />
        </>
      }
    >
      <NotificationToaster durations={{ urgent: Infinity }} onClick={(n) => openInApp(n.actionUrl)} />
      <div className="grid two">
        <Card title="All loyalty events">
          <LiveStatus status={live.status} error={live.error} reload={live.reload} />
          <ul className="rows" aria-label="Loyalty events">
            {live.data?.map((e) => (
              <li key={e.id} data-testid="loyalty-event" data-event={e.event}>
                <span className={`tag tag-${e.event}`}>{LABEL[e.event]}</span> {describe(e)} <span className="muted">· {time(e.at)}</span>
              </li>
            ))}
          </ul>
        </Card>
        <div className="stack">
          <Card title="Register a guest">
            <form className="form" onSubmit={register}>
              <label>
                Guest name
                <input required value={guest} onChange={(e) => setGuest(e.target.value)} />
              </label>
              <button className="button primary">Register and create a card</button>
            </form>
          </Card>
          <Card title="Expire points">
            <button type="button" className="button" onClick={() => api.post('/api/loyalty/cards/c-100/expire', { points: 10 })}>
              Expire 10 points of card c-100
            </button>
          </Card>
          <Card title="Raise a system alert">
            <form
              className="form"
              onSubmit={(e) => {
                e.preventDefault();
                void api.post('/api/loyalty/alerts', alert);
              }}
            >
              <label>
                Alert
                <input required value={alert.title} onChange={(e) => setAlert({ ...alert, title: e.target.value })} />
              </label>
              <label>
                Priority
                <select value={alert.priority} onChange={(e) => setAlert({ ...alert, priority: e.target.value })}>
                  <option value="high">High</option>
                  <option value="urgent">Urgent</option>
                </select>
              </label>
              <button className="button primary">Send alert to admins</button>
            </form>
          </Card>
        </div>
      </div>
    </Page>
  );
}
