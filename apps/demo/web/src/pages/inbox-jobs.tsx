/**
 * Scenario 4: the back end's job queue console. Each job, once processed by the worker, creates a
 * notification for the user (POST /v1/notifications, the job id as idempotency key).
 */
import { ConnectionBadge, useLiveState } from '@herald/react';
import { useState } from 'react';
import type { Job } from '../../../server/domain/jobs.js';
import { api, type Loaded } from '../api.js';
import { DemoHerald } from '../demo-herald.js';
import { Card, LiveStatus, Page } from '../layout.js';
import { time, upsert } from '../lib.js';
import { JOB_TYPES } from './inbox-device.js';

type JobEvents = { 'job:queued': { job: Job }; 'job:done': { job: Job } };

// ── Herald: the user's jobs, kept live by the queue's channel ──
function useJobs(user: string) {
  return useLiveState<Job[], JobEvents>(`jobs:${user}`, {
    load: () => api.get<Loaded<Job[]>>(`/api/jobs/${user}`),
    reduce: (jobs, m) => upsert(jobs, m.data.job),
  });
}

export function JobsConsole({ user }: { user: string }) {
  return (
    <DemoHerald persona="queue-user" params={{ user }}>
      <ConsoleView user={user} />
    </DemoHerald>
  );
}

function ConsoleView({ user }: { user: string }) {
  const live = useJobs(user);
  const [type, setType] = useState('report_ready');
  const [count, setCount] = useState(1);
  const queued = live.data?.filter((j) => j.status === 'queued').length ?? 0;
  return (
    <Page scenario="Scenario 4 · Back-end job queue" title={`Jobs for ${user}`} actions={<ConnectionBadge />}>
      <div className="grid two">
        <Card title="Enqueue jobs">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void api.post('/api/jobs', { user, type, count });
            }}
          >
            <label>
              Job type
              <select value={type} onChange={(e) => setType(e.target.value)}>
                {JOB_TYPES.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.label} ({t.description})
                  </option>
                ))}
              </select>
            </label>
            <label>
              How many
              <input type="number" min={1} max={20} value={count} onChange={(e) => setCount(Number(e.target.value))} />
            </label>
            <button className="button primary">Enqueue</button>
          </form>
        </Card>
        <Card title={`Queue (${queued} waiting)`}>
          <LiveStatus status={live.status} error={live.error} reload={live.reload} />
          <ul className="rows" aria-label="Jobs">
            {live.data?.map((j) => (
              <li key={j.id} data-testid="job" data-status={j.status}>
                <span className={`status status-${j.status}`}>{j.status}</span> {JOB_TYPES.find((t) => t.type === j.type)?.label ?? j.type} <span className="muted">· {time(j.doneAt ?? j.createdAt)}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </Page>
  );
}
