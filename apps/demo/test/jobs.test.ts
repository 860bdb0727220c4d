/** Scenario 4: the job queue's worker notifies each job once, even across a Herald outage. */
import { describe, expect, it } from 'vitest';
import { drained, history, ok, startDemo, startHerald, waitUntil } from './helpers.js';

describe('job queue scenario', () => {
  it('turns each job into one notification in the user inbox, none lost while Herald is down', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald, { jobIntervalMs: 20 });
    const first = await ok(demo.url, 'GET', '/api/jobs/quinn');
    expect(first.seq).toBe(0);
    expect(first.data.map((j: { status: string }) => j.status)).toEqual(['done', 'done']);

    const { jobs } = await ok(demo.url, 'POST', '/api/jobs', { user: 'quinn', type: 'invoice_due', count: 3 }, 202);
    expect(jobs.map((j: { status: string }) => j.status)).toEqual(['queued', 'queued', 'queued']);
    const allDone = async (n: number) => (await ok(demo.url, 'GET', '/api/jobs/quinn')).data.filter((j: { status: string }) => j.status === 'done').length === n;
    await waitUntil(() => allDone(5), 5000, 'three jobs done');
    await drained(demo);
    const inbox = (await history(herald, 'user:quinn')).messages;
    expect(inbox.map((m) => [m.event, m.data.type, m.data.priority, m.data.title])).toEqual(
      Array.from({ length: 3 }, () => ['notification:new', 'invoice_due', 'high', 'Invoice due in 3 days']),
    );
    expect(inbox.map((m) => m.data.data.jobId)).toEqual(jobs.map((j: { id: string }) => j.id));
    expect(inbox[0]!.data.actionUrl).toBe(`/inbox/quinn/jobs#job-${jobs[0].id}`);

    // Herald away: the worker goes on; its notifications wait in the outbox.
    await herald.stop();
    await ok(demo.url, 'POST', '/api/jobs', { user: 'quinn', type: 'security_alert', count: 2 }, 202);
    await waitUntil(() => allDone(7), 5000, 'two more jobs done');
    await herald.start();
    await drained(demo);
    const after = (await history(herald, 'user:quinn')).messages;
    expect(after.map((m) => m.data.type)).toEqual(['invoice_due', 'invoice_due', 'invoice_due', 'security_alert', 'security_alert']);
    expect(after.slice(3).map((m) => m.data.priority)).toEqual(['urgent', 'urgent']);

    const list = await history(herald, 'jobs:quinn');
    expect(list.messages.map((m) => m.event).sort()).toEqual([...Array(5).fill('job:done'), ...Array(5).fill('job:queued')]);
    const load = await ok(demo.url, 'GET', '/api/jobs/quinn');
    expect(load.seq).toBe(list.head);
    expect(load.data).toHaveLength(7);
  });
});
