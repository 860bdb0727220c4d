/** The demo's landing page: the five scenarios of SPEC §1, each with the pages to open side by side. */
import { Page } from '../layout.js';
import { Link } from '../router.js';

const SCENARIOS = [
  {
    n: 1,
    title: 'Restaurant admin dashboard',
    text: 'Customers place orders and reservations; every signed-in admin gets a toast with a chime and the lists update live. Reloading announces nothing old.',
    links: [
      ['Admin dashboard (Ana)', '/restaurant/7/admin'],
      ['Second admin (Ben)', '/restaurant/7/admin?as=ben'],
      ['Customer: place orders', '/restaurant/7/order'],
    ],
  },
  {
    n: 2,
    title: 'Kitchen display and table session',
    text: 'A guest at table 5 orders from the QR-code page (no account); the kitchen hears it; staff move it pending → cooking → ready and the guest follows. Restaurants and tables are isolated.',
    links: [
      ['Kitchen, restaurant 7', '/kitchen/7'],
      ['Guest at table 5', '/table/7/5'],
      ['Kitchen, restaurant 8', '/kitchen/8'],
    ],
  },
  {
    n: 3,
    title: 'Loyalty platform',
    text: 'Points added, redeemed and expired reach the guest’s card, the restaurant’s transaction feed and the admins, who also get system alerts.',
    links: [
      ['Guest card c-100', '/loyalty/card/c-100'],
      ['Restaurant 7 feed and POS', '/loyalty/restaurant/7'],
      ['Admin', '/loyalty/admin'],
    ],
  },
  {
    n: 4,
    title: 'Queue-driven notifications',
    text: 'A back-end job queue creates notifications for Quinn; both of Quinn’s devices show them, and read, delete and the unread count follow on both.',
    links: [
      ['Quinn’s device (open twice)', '/inbox/quinn'],
      ['Job queue console', '/inbox/quinn/jobs'],
    ],
  },
  {
    n: 5,
    title: 'Service marketplace',
    text: 'Booking created, accepted or rejected; payment PAID → ESCROW → RELEASED; payout PENDING → PROCESSING → COMPLETED or FAILED, on both dashboards, with a Live / Polling / Offline badge.',
    links: [
      ['Client (Cleo)', '/market/client/cleo'],
      ['Provider (Pat)', '/market/provider/pat'],
    ],
  },
];

export function Landing() {
  return (
    <Page scenario="Self-hosted real-time notifications" title="Herald demo">
      <p className="lead">
        Every message reaches every entitled client exactly once, in order, across disconnects, transport fallback and server restarts. Open a
        scenario’s pages in separate windows and watch them stay in step.
      </p>
      <ol className="scenarios">
        {SCENARIOS.map((s) => (
          <li key={s.n} className="card scenario">
            <span className="eyebrow">Scenario {s.n}</span>
            <h2>{s.title}</h2>
            <p>{s.text}</p>
            <ul className="scenario-links">
              {s.links.map(([label, to]) => (
                <li key={to}>
                  <Link to={to!} target="_blank" rel="noopener">
                    {label}
                  </Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </Page>
  );
}
