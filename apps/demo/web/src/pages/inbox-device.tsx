/**
 * Scenario 4: one of a user's devices (open it in two windows). Notifications created by the
 * back end's job queue show on every device; read, delete and the unread count follow on all.
 */
import { ConnectionBadge, NotificationBell, NotificationCenter, NotificationPreferences, NotificationToaster, useInbox } from '@herald/react';
import { DemoHerald } from '../demo-herald.js';
import { Card, Page } from '../layout.js';
import { Link } from '../router.js';

export const JOB_TYPES = [
  { type: 'report_ready', label: 'Reports ready', description: 'Normal priority' },
  { type: 'invoice_due', label: 'Invoices due', description: 'High priority' },
  { type: 'security_alert', label: 'Security alerts', description: 'Urgent' },
  { type: 'weekly_digest', label: 'Weekly digest', description: 'Low priority' },
];

export function InboxDevice({ user }: { user: string }) {
  return (
    <DemoHerald persona="queue-user" params={{ user }}>
      <DeviceView user={user} />
    </DemoHerald>
  );
}

function DeviceView({ user }: { user: string }) {
  const { unread, items } = useInbox();
  return (
    <Page scenario={`Scenario 4 · ${user}'s device`} title="Inbox" actions={<><ConnectionBadge /><NotificationBell /></>}>
      <NotificationToaster />
      <p className="lead">
        <span data-testid="unread-summary">
          {unread} unread, {items.length} shown
        </span>
        . Create notifications from the{' '}
        <Link to={`/inbox/${user}/jobs`} target="_blank">
          job queue console
        </Link>
        ; open this page in a second window to see both devices agree.
      </p>
      <div className="grid inbox-grid">
        <div className="inbox-panel">
          <NotificationCenter mode="panel" />
        </div>
        <Card title="Preferences">
          <NotificationPreferences types={JOB_TYPES} />
        </Card>
      </div>
    </Page>
  );
}
