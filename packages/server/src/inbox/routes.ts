import {
  createNotificationBodySchema,
  INBOX_ACTIONS,
  inboxIdsBodySchema,
  inboxQuerySchema,
  inboxReadAllBodySchema,
  preferencesBodySchema,
  type CreateNotificationBody,
  type InboxIdsBody,
  type InboxQuery,
  type InboxReadAllBody,
  type Preferences,
} from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import { clientOf, type AuthHooks } from '../http/auth.js';
import type { Inbox } from './service.js';

export function inboxRoutes(app: FastifyInstance, { auth, inbox }: { auth: AuthHooks; inbox: Inbox }): void {
  app.post<{ Body: CreateNotificationBody }>(
    '/v1/notifications',
    { schema: { body: createNotificationBodySchema }, onRequest: auth.server },
    async (request, reply) => reply.status(201).send(await inbox.create(request.body)),
  );

  app.get<{ Querystring: InboxQuery }>(
    '/v1/inbox',
    { schema: { querystring: inboxQuerySchema }, onRequest: auth.client },
    async (request) => inbox.list(clientOf(request), request.query),
  );

  app.get('/v1/inbox/unread-count', { onRequest: auth.client }, async (request) => inbox.unreadCount(clientOf(request)));

  for (const action of INBOX_ACTIONS) {
    app.post<{ Body: InboxIdsBody }>(
      `/v1/inbox/${action}`,
      { schema: { body: inboxIdsBodySchema }, onRequest: auth.client },
      async (request) => inbox.change(clientOf(request), action, request.body.ids),
    );
  }

  app.post<{ Body: InboxReadAllBody | null | undefined }>(
    '/v1/inbox/read-all',
    // The body is optional: fastify hands a missing body to the schema as null.
    { schema: { body: inboxReadAllBodySchema.nullish() }, onRequest: auth.client },
    async (request) => inbox.readAll(clientOf(request), request.body?.before),
  );

  app.get('/v1/preferences', { onRequest: auth.client }, async (request) => inbox.preferences(clientOf(request)));

  app.put<{ Body: Preferences }>(
    '/v1/preferences',
    { schema: { body: preferencesBodySchema }, onRequest: auth.client },
    async (request) => inbox.setPreferences(clientOf(request), request.body.mutedTypes),
  );
}
