/**
 * Scenario 5: the provider's dashboard. Booking requests to accept or reject; completing a job
 * releases the payment and starts the payout (PENDING → PROCESSING → COMPLETED | FAILED).
 */
import { ConnectionBadge, NotificationCenter, NotificationToaster } from '@herald/react';
import { useState } from 'react';
import type { Booking } from '../../../server/domain/marketplace.js';
import { api } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { BookingList, useBookings } from './market-shared.js';

export function MarketProvider({ id }: { id: string }) {
  return (
    <DemoHerald persona="market-provider" params={{ id }}>
      <ProviderView id={id} />
    </DemoHerald>
  );
}

function ProviderView({ id }: { id: string }) {
  const live = useBookings('provider', id);
  const [failPayout, setFailPayout] = useState(false);
  const act = (b: Booking, action: 'accept' | 'reject' | 'complete') =>
    api.post(`/api/market/bookings/${b.id}/${action}`, action === 'complete' ? { failPayout } : {});
  return (
    <Page scenario={`Scenario 5 · Marketplace, provider ${id}`} title="Jobs and payouts" actions={<><ConnectionBadge /><NotificationCenter /></>}>
      <NotificationToaster />
      <Card
        title="Bookings"
        aside={
          <label className="inline">
            <input type="checkbox" checked={failPayout} onChange={(e) => setFailPayout(e.target.checked)} /> Simulate a failed payout
          </label>
        }
      >
        <LiveStatus status={live.status} error={live.error} reload={live.reload} />
        <BookingList
          bookings={live.data ?? []}
          side="provider"
          actions={(b) => (
            <>
              {b.status === 'created' && (
                <>
                  <button type="button" className="button primary small" onClick={() => act(b, 'accept')}>
                    Accept
                  </button>
                  <button type="button" className="button small" onClick={() => act(b, 'reject')}>
                    Reject
                  </button>
                </>
              )}
              {b.payment === 'ESCROW' && (
                <button type="button" className="button primary small" onClick={() => act(b, 'complete')}>
                  Mark job done
                </button>
              )}
            </>
          )}
        />
      </Card>
    </Page>
  );
}
