import { HeraldError, parseSyncCursors, syncQuerySchema, syncResponseSchema, type SyncQuery } from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import type { SyncService } from '../../channels/sync.js';
import type { AuthHooks } from '../auth.js';
import { errorAnswers } from '../openapi.js';

export function syncRoutes(app: FastifyInstance, { auth, sync }: { auth: AuthHooks; sync: SyncService }): void {
  app.get<{ Querystring: SyncQuery }>(
    '/v1/sync',
    {
      schema: {
        summary: 'What the caller missed on its channels; with `wait`, a long-poll',
        tags: ['sync'],
        operationId: 'sync',
        querystring: syncQuerySchema,
        response: { 200: syncResponseSchema, ...errorAnswers('CHANNEL_FORBIDDEN') },
      },
      onRequest: auth.client,
    },
    async (request, reply) => {
      const cursors = parseSyncCursors(request.query.cursors);
      if (typeof cursors === 'string') {
        throw new HeraldError('VALIDATION_FAILED', 'Invalid cursors', [{ path: 'cursors', message: cursors }]);
      }
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) gone.abort();
      };
      reply.raw.once('close', onClose);
      try {
        return await sync.sync(request.principal!, cursors, request.query.wait * 1000, gone.signal);
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}
