/**
 * Scenario 3: a guest's loyalty card. Points added, redeemed or expired at any restaurant show at
 * once, with the new balance.
 */
import { ConnectionBadge, useLiveState } from '@herald/react';
import type { Card as LoyaltyCardT, Transaction } from '../../../server/domain/loyalty.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { dateTime, upsert } from '../lib.js';

interface CardData {
  card: LoyaltyCardT;
  transactions: Transaction[];
}
type Movement = { transaction: Transaction; card: LoyaltyCardT };
type CardEvents = { points_added: Movement; points_redeemed: Movement; points_expired: Movement; card_created: { card: LoyaltyCardT } };

// ── Herald: the card and its history, kept live by the card's channel ──
function useLoyaltyCard(cardId: string) {
  return useLiveState<CardData, CardEvents>(`card:${cardId}`, {
    load: () => api.get<Loaded<CardData>>(`/api/loyalty/cards/${cardId}`),
    reduce: (d, m) =>
      m.event === 'card_created' ? { ...d, card: m.data.card } : { card: m.data.card, transactions: upsert(d.transactions, m.data.transaction) },
  });
}

export function LoyaltyCard({ cardId }: { cardId: string }) {
  return (
    <DemoHerald persona="loyalty-guest" params={{ cardId }}>
      <CardView cardId={cardId} />
    </DemoHerald>
  );
}

export const KIND_LABEL: Record<Transaction['kind'], string> = {
  points_added: 'Points added',
  points_redeemed: 'Points redeemed',
  points_expired: 'Points expired',
};

function CardView({ cardId }: { cardId: string }) {
  const live = useLoyaltyCard(cardId);
  const card = live.data?.card;
  return (
    <Page scenario="Scenario 3 · Loyalty, guest card" title="My loyalty card" actions={<ConnectionBadge />}>
      <LiveStatus status={live.status} error={live.error} reload={live.reload} />
      {card && (
        <div className="grid two">
          <div className="loyalty-card" aria-label="Card balance">
            <span className="loyalty-name">{card.guestName}</span>
            <span className="loyalty-points" data-testid="balance">
              {card.points}
            </span>
            <span className="loyalty-label">points</span>
            <span className="loyalty-id">Card {card.id}</span>
          </div>
          <Card title="History">
            <ul className="rows" aria-label="Card history">
              {live.data!.transactions.map((t) => (
                <li key={t.id} data-testid="card-transaction" data-kind={t.kind}>
                  <span className={`amount ${t.kind === 'points_added' ? 'plus' : 'minus'}`}>
                    {t.kind === 'points_added' ? '+' : '−'}
                    {t.points}
                  </span>{' '}
                  {KIND_LABEL[t.kind]}
                  {t.restaurantId !== null && <> at restaurant {t.restaurantId}</>}
                  <span className="muted"> · {dateTime(t.at)}</span>
                </li>
              ))}
            </ul>
          </Card>
        </div>
      )}
    </Page>
  );
}
