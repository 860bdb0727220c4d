import {
  HeraldError,
  MAX_BATCH_ITEMS,
  publishBatchBodySchema,
  publishBatchResponseSchema,
  publishBodySchema,
  publishResponseSchema,
  type PublishBody,
} from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import type { Publisher } from '../../channels/publisher.js';
import type { AuthHooks } from '../auth.js';
import { errorAnswers } from '../openapi.js';

export function publishRoutes(app: FastifyInstance, { auth, publisher }: { auth: AuthHooks; publisher: Publisher }): void {
  app.post<{ Body: PublishBody }>(
    '/v1/publish',
    {
      schema: {
        summary: 'Store and deliver one message on one or more channels',
        tags: ['publish'],
        operationId: 'publish',
        body: publishBodySchema,
        response: { 200: publishResponseSchema, ...errorAnswers('DATA_TOO_LARGE', 'IDEMPOTENCY_CONFLICT') },
      },
      onRequest: auth.server,
    },
    async (request) => publisher.publish(request.body),
  );

  app.post<{ Body: { items: unknown[] } }>(
    '/v1/publish/batch',
    {
      schema: {
        summary: 'Up to 1000 publishes in one request, each answered on its own',
        tags: ['publish'],
        operationId: 'publishBatch',
        body: publishBatchBodySchema,
        response: { 200: publishBatchResponseSchema, ...errorAnswers('BATCH_TOO_LARGE') },
      },
      onRequest: auth.server,
    },
    async (request) => {
      const { items } = request.body;
      if (items.length > MAX_BATCH_ITEMS) {
        throw new HeraldError('BATCH_TOO_LARGE', undefined, { items: items.length, max: MAX_BATCH_ITEMS });
      }
      return { results: await publisher.publishBatch(items) };
    },
  );
}
