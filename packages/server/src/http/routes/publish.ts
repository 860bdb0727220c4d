import { HeraldError, MAX_BATCH_ITEMS, publishBatchBodySchema, publishBodySchema, type PublishBody } from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import type { Publisher } from '../../channels/publisher.js';
import type { AuthHooks } from '../auth.js';

export function publishRoutes(app: FastifyInstance, { auth, publisher }: { auth: AuthHooks; publisher: Publisher }): void {
  app.post<{ Body: PublishBody }>(
    '/v1/publish',
    { schema: { body: publishBodySchema }, onRequest: auth.server },
    async (request) => publisher.publish(request.body),
  );

  app.post<{ Body: { items: unknown[] } }>(
    '/v1/publish/batch',
    { schema: { body: publishBatchBodySchema }, onRequest: auth.server },
    async (request) => {
      const { items } = request.body;
      if (items.length > MAX_BATCH_ITEMS) {
        throw new HeraldError('BATCH_TOO_LARGE', undefined, { items: items.length, max: MAX_BATCH_ITEMS });
      }
      return { results: await publisher.publishBatch(items) };
    },
  );
}
