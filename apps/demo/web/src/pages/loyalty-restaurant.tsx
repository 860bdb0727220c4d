/**
 * Scenario 3: a restaurant's live loyalty transaction feed, with a point-of-sale panel that adds
 * or redeems a guest's points (through the back end).
 */
import { ConnectionBadge, useLiveState } from '@herald/react';
import { useEffect, useState } from 'react';
import type { Card as LoyaltyCardT, Transaction } from '../../../server/domain/loyalty.js';
import { api, ApiError, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { time, upsert } from '../lib.js';
import { KIND_LABEL } from './loyalty-card.js';

type FeedEvents = { restaurant_transaction: { transaction: Transaction; card: LoyaltyCardT } };

// ── Herald: the restaurant's transactions, kept live by its channel ──
function useTransactions(r: number) {
  return useLiveState<Transaction[], FeedEvents>(`restaurant:${r}:transactions`, {
    load: () => api.get<Loaded<Transaction[]>>(`/api/loyalty/restaurants/${r}/feed`),
    reduce: (list, m) => upsert(list, m.data.transaction),
  });
}

export function LoyaltyRestaurant({ r }: { r: number }) {
  return (
    <DemoHerald persona="loyalty-restaurant" params={{ restaurantId: r }}>
      <FeedView r={r} />
    </DemoHerald>
  );
}

function FeedView({ r }: { r: number }) {
  const live = useTransactions(r);
  const [cards, setCards] = useState<LoyaltyCardT[]>([]);
  const [cardId, setCardId] = useState('c-100');
  const [points, setPoints] = useState(50);
  const [error, setError] = useState<string>();
  useEffect(() => void api.get<LoyaltyCardT[]>('/api/loyalty/cards').then(setCards), []);
  const post = (action: 'points' | 'redeem') =>
    api.post(`/api/loyalty/cards/${cardId}/${action}`, { restaurantId: r, points }).then(
      () => setError(undefined),
      (e: ApiError) => setError(e.message),
    );
  return (
    <Page scenario={`Scenario 3 · Loyalty, restaurant ${r}`} title="Live transactions" actions={<ConnectionBadge />}>
      <div className="grid two">
        <Card title="Point of sale">
          <div className="form">
            <label>
              Card
              <select value={cardId} onChange={(e) => setCardId(e.target.value)}>
                {cards.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.id} · {c.guestName}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Points
              <input type="number" min={1} max={10000} value={points} onChange={(e) => setPoints(Number(e.target.value))} />
            </label>
            <div className="buttons">
              <button type="button" className="button primary" onClick={() => post('points')}>
                Add points
              </button>
              <button type="button" className="button" onClick={() => post('redeem')}>
                Redeem
              </button>
            </div>
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
          </div>
        </Card>
        <Card title="Transactions">
          <LiveStatus status={live.status} error={live.error} reload={live.reload} />
          <ul className="rows" aria-label="Transactions">
            {live.data?.map((t) => (
              <li key={t.id} data-testid="restaurant-transaction" data-kind={t.kind}>
                <span className={`amount ${t.kind === 'points_added' ? 'plus' : 'minus'}`}>
                  {t.kind === 'points_added' ? '+' : '−'}
                  {t.points}
                </span>{' '}
                {KIND_LABEL[t.kind]} · card {t.cardId} <span className="muted">· balance {t.balance} · {time(t.at)}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </Page>
  );
}
