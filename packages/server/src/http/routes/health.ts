import { HeraldError, healthResponseSchema, readyResponseSchema, statsResponseSchema } from '@herald/protocol';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../bus/index.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Store } from '../../store/index.js';
import type { AuthHooks } from '../auth.js';
import type { StatsSampler } from '../../metrics/stats.js';

interface Deps {
  auth: AuthHooks;
  store: Store;
  bus: Bus;
  metrics: Metrics;
  stats: StatsSampler;
}

export function healthRoutes(app: FastifyInstance, { auth, store, bus, metrics, stats }: Deps): void {
  const tags = ['operations'];
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: 200 while the process runs', tags, operationId: 'health', response: { 200: healthResponseSchema } } },
    async () => ({ status: 'ok' }),
  );

  // Not ready is `503 UNAVAILABLE` with `details: { store, bus }`, a code every route documents.
  const ready = { summary: 'Readiness: the database and the bus answer', tags, operationId: 'ready', response: { 200: readyResponseSchema } };
  app.get('/readyz', { schema: ready }, async (request) => {
    const checks = await Promise.allSettled([store.ping(), bus.ping()]);
    const [storeOk, busOk] = checks.map((c) => c.status === 'fulfilled');
    if (!storeOk || !busOk) {
      for (const c of checks) if (c.status === 'rejected') request.log.warn({ err: c.reason }, 'readiness check failed');
      throw new HeraldError('UNAVAILABLE', undefined, { store: storeOk, bus: busOk });
    }
    return { status: 'ready', store: true, bus: true };
  });

  const metricsAnswer = { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } };
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags, operationId: 'metrics', response: { 200: metricsAnswer } } },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  app.get(
    '/v1/stats',
    {
      schema: {
        summary: 'Connections, subscriptions, nodes and message rates, cluster-wide',
        tags,
        operationId: 'stats',
        response: { 200: statsResponseSchema },
      },
      onRequest: auth.server,
    },
    async () => stats.snapshot(),
  );
}
