import { HeraldError } from '@herald/protocol';
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
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request) => {
    const checks = await Promise.allSettled([store.ping(), bus.ping()]);
    const [storeOk, busOk] = checks.map((c) => c.status === 'fulfilled');
    if (!storeOk || !busOk) {
      for (const c of checks) if (c.status === 'rejected') request.log.warn({ err: c.reason }, 'readiness check failed');
      throw new HeraldError('UNAVAILABLE', undefined, { store: storeOk, bus: busOk });
    }
    return { status: 'ready', store: true, bus: true };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/v1/stats', { onRequest: auth.server }, async () => stats.snapshot());
}
