/**
 * Scenario 4: queue-driven notifications. A back-end job queue; its worker turns each job into a
 * notification in the user's inbox, which Herald pushes to all of that user's devices.
 *
 * Live view: `jobs:{user}`: `job:queued` {job}, `job:done` {job}.
 * Notifications: to `user:{user}`, one per job, with the job's id as idempotency key.
 * The worker goes through the outbox like every route: while Herald is down jobs keep being
 * processed, and their notifications are delivered, once each, when it is back.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Priority } from '@herald/protocol';
import { parseInput } from '../errors.js';
import type { Outbox } from '../outbox.js';
import { idSchema, intValue, iso, minutesAgo, newestFirst, newId, nowIso } from './common.js';

/** What each job type notifies. */
const JOB_TYPES = {
  report_ready: { priority: 'normal', title: () => 'Your report is ready', body: (n: number) => `Sales report #${n} (PDF, 2 pages) is ready to download.` },
  invoice_due: { priority: 'high', title: () => 'Invoice due in 3 days', body: (n: number) => `Invoice INV-${1000 + n} of €${(49 + n * 10).toFixed(2)} is due soon.` },
  security_alert: { priority: 'urgent', title: () => 'New sign-in to your account', body: () => 'Firefox on Linux, from a new device. Was it you?' },
  weekly_digest: { priority: 'low', title: () => 'Your weekly digest', body: (n: number) => `${3 + (n % 5)} new bookings, 2 reviews and 1 message this week.` },
} satisfies Record<string, { priority: Priority; title: () => string; body: (n: number) => string }>;

export type JobType = keyof typeof JOB_TYPES;

export interface Job {
  id: string;
  user: string;
  type: JobType;
  status: 'queued' | 'done';
  createdAt: string;
  doneAt?: string;
}

/** A user's job list (live view) and inbox channel. */
export const jobsChannel = (user: string) => `jobs:${user}`;
export const userChannel = (user: string) => `user:${user}`;

const enqueueBody = z.strictObject({
  user: idSchema,
  type: z.enum(Object.keys(JOB_TYPES) as [JobType, ...JobType[]]),
  count: intValue.pipe(z.number().max(20)),
});
const userParams = z.strictObject({ user: idSchema });

export interface JobsScenario {
  /** Add `POST /api/jobs` and `GET /api/jobs/:user`. */
  register(app: FastifyInstance): void;
  /** Stop the worker. */
  close(): void;
}

export interface JobsOptions {
  /** Time between two jobs, ms. @default 400 */
  intervalMs?: number;
}

/** The job queue and its worker (one job per `intervalMs`), notifying through `outbox`. */
export function createJobsScenario(outbox: Outbox, { intervalMs = 400 }: JobsOptions = {}): JobsScenario {
  const jobs = new Map<string, Job>();
  /** Ids of queued jobs, oldest first. */
  const queue: string[] = [];
  let processed = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  // Seed: Quinn's last two jobs, done (their notifications predate this run).
  for (const [type, ago] of [['weekly_digest', 2 * 24 * 60], ['report_ready', 55]] as const) {
    const at = minutesAgo(ago);
    const job: Job = { id: newId(at), user: 'quinn', type, status: 'done', createdAt: iso(at), doneAt: iso(at + 400) };
    jobs.set(job.id, job);
  }

  function schedule(): void {
    if (timer || closed || queue.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      processNext();
      schedule();
    }, intervalMs);
  }

  /** One job: done, announced on the job list, and its notification, all in one step. */
  function processNext(): void {
    const id = queue.shift();
    const job = id && jobs.get(id);
    if (!job) return;
    const done: Job = { ...job, status: 'done', doneAt: nowIso() };
    jobs.set(done.id, done);
    outbox.publish([jobsChannel(done.user)], 'job:done', { job: done });
    const kind = JOB_TYPES[done.type];
    const n = ++processed;
    outbox.notify({
      to: [userChannel(done.user)],
      type: done.type,
      title: kind.title(),
      body: kind.body(n),
      priority: kind.priority,
      actionUrl: `/inbox/${done.user}/jobs#job-${done.id}`,
      data: { jobId: done.id },
      // The job's id: whatever happens between the worker and Herald, one job, one notification.
      idempotencyKey: done.id,
    });
  }

  function register(app: FastifyInstance): void {
    app.post('/api/jobs', async (request, reply) => {
      const { user, type, count } = parseInput(enqueueBody, request.body, 'body');
      const created: Job[] = [];
      for (let i = 0; i < count; i++) {
        const job: Job = { id: newId(), user, type, status: 'queued', createdAt: nowIso() };
        jobs.set(job.id, job);
        queue.push(job.id);
        outbox.publish([jobsChannel(user)], 'job:queued', { job });
        created.push(job);
      }
      schedule();
      return reply.status(202).send({ jobs: created });
    });

    app.get('/api/jobs/:user', async (request) => {
      const { user } = parseInput(userParams, request.params, 'params');
      return outbox.load(jobsChannel(user), () => newestFirst([...jobs.values()].filter((j) => j.user === user), 50));
    });
  }

  return {
    register,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
