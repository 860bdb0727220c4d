/** Routes: one page per scenario of SPEC §1, and the landing page that links them. */
import { Landing } from './pages/landing.js';
import { InboxDevice } from './pages/inbox-device.js';
import { JobsConsole } from './pages/inbox-jobs.js';
import { Kitchen } from './pages/kitchen.js';
import { LoyaltyAdmin } from './pages/loyalty-admin.js';
import { LoyaltyCard } from './pages/loyalty-card.js';
import { LoyaltyRestaurant } from './pages/loyalty-restaurant.js';
import { MarketClient } from './pages/market-client.js';
import { MarketProvider } from './pages/market-provider.js';
import { RestaurantAdmin } from './pages/restaurant-admin.js';
import { RestaurantOrder } from './pages/restaurant-order.js';
import { TableSession } from './pages/table.js';
import { Link, match, useLocation } from './router.js';

export function App() {
  const path = useLocation();
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  let p: Record<string, string> | null;
  if ((p = match('/', path))) return <Landing />;
  if ((p = match('/restaurant/:r/admin', path))) return <RestaurantAdmin r={Number(p.r)} as={query.get('as') ?? 'ana'} />;
  if ((p = match('/restaurant/:r/order', path))) return <RestaurantOrder r={Number(p.r)} />;
  if ((p = match('/kitchen/:r', path))) return <Kitchen r={Number(p.r)} screen={query.get('screen') ?? 'main'} />;
  if ((p = match('/table/:r/:table', path))) return <TableSession r={Number(p.r)} table={Number(p.table)} />;
  if ((p = match('/loyalty/card/:cardId', path))) return <LoyaltyCard cardId={p.cardId!} />;
  if ((p = match('/loyalty/restaurant/:r', path))) return <LoyaltyRestaurant r={Number(p.r)} />;
  if ((p = match('/loyalty/admin', path))) return <LoyaltyAdmin />;
  if ((p = match('/inbox/:user', path))) return <InboxDevice user={p.user!} />;
  if ((p = match('/inbox/:user/jobs', path))) return <JobsConsole user={p.user!} />;
  if ((p = match('/market/client/:id', path))) return <MarketClient id={p.id!} />;
  if ((p = match('/market/provider/:id', path))) return <MarketProvider id={p.id!} />;
  return (
    <main className="content narrow">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the scenarios</Link>
      </p>
    </main>
  );
}
